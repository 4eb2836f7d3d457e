import { Redis } from 'ioredis'
import { CONNECT_TIMEOUT_MS, RedisUrlError, type RedisTarget } from './redis-url'

/**
 * One try at the server before anything starts, so a wrong URL or a server
 * that isn't running is said at once (not retried forever in the
 * background), naming what to do.
 */
export async function probeRedis(target: RedisTarget): Promise<void> {
  const client = new Redis(target.url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null })
  // Reported by connect() below; an unhandled 'error' event would end the process.
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.ping()
  } catch (error) {
    const reason = (error as Error).message || String(error)
    throw new RedisUrlError(
      `cannot reach Redis at ${target.shown} (${reason}). Is redis-server running there? (on Debian or Ubuntu: sudo apt install redis-server)`,
    )
  } finally {
    client.disconnect()
  }
}
