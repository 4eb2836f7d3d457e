import { Redis, type RedisOptions } from 'ioredis'

/** A Redis URL that failed to parse or to answer, with a message for a person. */
export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RedisUrlError'
  }
}

export interface RedisTarget {
  url: string
  /** The URL as it may be shown: its password masked. */
  shown: string
}

/** redis://[user:password@]host[:port][/db], or rediss:// for TLS. */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new RedisUrlError(`"${text}" is not a URL; give one like redis://127.0.0.1:6379/0`)
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RedisUrlError(`"${text}" is not a Redis URL; it should begin with redis:// (or rediss:// for TLS)`)
  }
  if (!url.hostname) throw new RedisUrlError(`"${text}" names no host; give one like redis://127.0.0.1:6379`)
  const db = url.pathname.replace(/^\//, '')
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new RedisUrlError(`"${text}": the database after the host must be a number, like /0`)
  const shown = new URL(url.href)
  if (shown.password) shown.password = '***'
  return { url: url.href, shown: shown.href.replace(/\/$/, '') }
}

/** How long a first connection may take before the command gives up with a clear message. */
export const CONNECT_TIMEOUT_MS = 4000

/**
 * Options for connections that live as long as the process: BullMQ's workers
 * need commands that wait however long Redis is away, and reconnect every
 * second or two until it is back.
 */
export function lastingOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  }
}

/**
 * A connection for as long as the process runs; ioredis reconnects by itself,
 * and its errors are said by whoever uses it. One that `answers` is for a
 * person's requests: a command caught by Redis going away fails after one try
 * to reconnect, rather than hanging until Redis is back and then doing what
 * the person was already told had failed.
 */
export function connectRedis(target: RedisTarget, use: 'lasting' | 'answers' = 'lasting'): Redis {
  const redis = new Redis(target.url, { ...lastingOptions(), ...(use === 'answers' ? { maxRetriesPerRequest: 1 } : {}) })
  // Without a listener an 'error' event would end the process.
  redis.on('error', () => undefined)
  return redis
}
