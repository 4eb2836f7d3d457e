import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { MAX_CONCURRENCY } from '../../shared/job'
import { DataFolderError } from '../engine/data-folder'
import { DatabaseOpenError } from '../engine/database'
import { AlreadyRunningError } from './local-api-server'
import { startHeadless } from './start-server'
import { resolveWorkerEntry } from './worker-entry'

const DEFAULT_PORT = 7340
const DEFAULT_GRACE_MS = 10_000
const USAGE = `Usage: npm run serve -- [--data <dir>] [--port <n>] [--concurrency <n>] [--grace <seconds>] [--redis <url>]

  --data         data folder (default: ${join(homedir(), '.offload')})
  --port         port on 127.0.0.1 (default: ${DEFAULT_PORT}; 0 picks a free one)
  --concurrency  jobs at once (default: the saved setting, else the number of cores)
  --grace        seconds running jobs get to finish on Ctrl+C before they are requeued (default: ${DEFAULT_GRACE_MS / 1000})
  --redis        serve a BullMQ queue on this Redis (redis://host:port[/db]) instead of the data folder's;
                 jobs run on machines started with "offload worker --redis <url>"`

function fail(message: string, code = 1): never {
  console.error(`offload: ${message}`)
  process.exit(code)
}

function integerArg(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be a whole number from ${min} to ${max}, got "${value}"\n\n${USAGE}`)
  return n
}

let args
try {
  args = parseArgs({
    options: {
      data: { type: 'string' },
      port: { type: 'string' },
      concurrency: { type: 'string' },
      grace: { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`)
}
if (args.help) {
  console.log(USAGE)
  process.exit(0)
}

const here = import.meta.dirname
const dataDir = resolve(args.data ?? join(homedir(), '.offload'))
const port = integerArg('port', args.port, 0, 65535) ?? DEFAULT_PORT
const concurrency = integerArg('concurrency', args.concurrency, 1, MAX_CONCURRENCY)
const graceMs = (integerArg('grace', args.grace, 0, 3600) ?? DEFAULT_GRACE_MS / 1000) * 1000
const rendererDir = [join(here, '..', 'renderer'), join(here, '..', '..', '..', 'out', 'renderer')].find((d) => existsSync(join(d, 'index.html')))

if (args.redis !== undefined) {
  if (concurrency !== undefined) fail('--concurrency is for the worker hosts with --redis: give it to "offload worker"', 2)
  await serveRedis(args.redis)
} else await serveLocal()

async function serveRedis(url: string): Promise<void> {
  // Loaded only here: BullMQ and ioredis are a good part of start-up, and a local serve needs neither.
  const [{ startRedisHeadless }, { parseRedisUrl, RedisUrlError }] = await Promise.all([import('./start-redis-server'), import('../backends/bullmq/redis-url')])
  let served
  try {
    served = await startRedisHeadless({ dataDir, port, redis: parseRedisUrl(url), ...(rendererDir ? { rendererDir } : {}) })
  } catch (error) {
    if (error instanceof RedisUrlError || error instanceof AlreadyRunningError || error instanceof DataFolderError) fail(error.message, 2)
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`port ${port} is in use; pick another with --port (0 picks a free one)`)
    throw error
  }
  const { info, server } = served
  console.log(`Offload is serving the BullMQ queue on ${parseRedisUrl(url).shown}`)
  console.log(`  Panel: ${info.url}/?token=${info.token}`)
  console.log(`  API:   ${info.url}/api (Authorization: Bearer <token from ${join(dataDir, 'server.json')}>)`)
  console.log(`  Jobs run on machines started with: offload worker --redis ${parseRedisUrl(url).shown}`)
  server.subscribe((event) => {
    if (event.type !== 'storage') return
    if (event.storage.status === 'ok') console.log('Redis is back; jobs are sent again.')
    else console.error(`offload: ${event.storage.message}`)
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void served.stop().then(() => process.exit(0)))
}

async function serveLocal(): Promise<void> {
  let server
  try {
    server = await startHeadless({
      dataDir,
      port,
      worker: resolveWorkerEntry(here),
      ...(rendererDir ? { rendererDir } : {}),
      ...(concurrency ? { engine: { concurrency } } : {}),
    })
  } catch (error) {
    if (error instanceof AlreadyRunningError || error instanceof DatabaseOpenError || error instanceof DataFolderError) fail(error.message)
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(`port ${port} is in use; pick another with --port (0 picks a free one)`)
    throw error
  }

  for (const error of server.host.kinds.errors) console.error(`offload: could not load kind ${error.file}: ${error.message}`)
  console.log(`Offload is serving ${dataDir}`)
  console.log(`  Panel: ${server.info.url}/?token=${server.info.token}`)
  console.log(`  API:   ${server.info.url}/api (Authorization: Bearer <token from ${join(dataDir, 'server.json')}>)`)
  if (!rendererDir) console.log('  (the panel is not built; "npm run serve" builds it)')

  // Storage trouble (disk full, read-only, damaged) and its end are news for whoever watches the console.
  server.host.engine.subscribe((event) => {
    if (event.type !== 'storage') return
    if (event.storage.status === 'ok') console.log('Storage is writable again; dispatching resumes.')
    else console.error(`offload: ${event.storage.message}`)
  })

  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        console.error('offload: stopping now; running jobs will be requeued at next start')
        process.exit(130)
      }
      stopping = true
      const running = server.host.engine.stats().counts.running
      console.log(running > 0 ? `Stopping: ${running} running job(s) get ${graceMs / 1000} s to finish…` : 'Stopping…')
      void server.stop(graceMs).then(() => process.exit(0))
    })
  }
}
