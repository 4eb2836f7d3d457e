import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { availableParallelism } from 'node:os'
import { LaneNameSchema, MAX_CONCURRENCY } from '../../shared/job'
import { DEFAULT_LEASE_MS, RedisWorkerHost } from '../backends/bullmq/worker-host'
import { probeRedis } from '../backends/bullmq/redis-probe'
import { parseRedisUrl, RedisUrlError } from '../backends/bullmq/redis-url'
import { DataFolderError, ensureDataFolder } from '../engine/data-folder'
import { createForkLauncher } from '../node/fork-launcher'
import { resolveWorkerEntry } from './worker-entry'

const DEFAULT_LEASE_S = DEFAULT_LEASE_MS / 1000
const DEFAULT_GRACE_S = 10
const USAGE = `Usage: offload worker --redis <url> [--concurrency <n>] [--lanes <a,b>] [--data <dir>] [--lease <seconds>] [--name <machine>]

Runs jobs from a BullMQ queue on Redis, each in its own worker process, beside "offload serve --redis <url>".

  --redis        the queue's Redis: redis://host:port[/db]
  --concurrency  jobs at once on this machine (default: its ${availableParallelism()} cores)
  --lanes        only these lanes (default: every lane, new ones as they appear)
  --data         the data folder whose kinds this machine runs (default: ${join(homedir(), '.offload')})
  --lease        seconds a job stays this machine's without a word from it; then another takes it (default: ${DEFAULT_LEASE_S})
  --name         how the panel names this machine (default: its host name)`

/** Exit 2: the command line or the Redis URL is wrong, or Redis can't be reached. */
function fail(message: string): never {
  console.error(`offload: ${message}`)
  process.exit(2)
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
      redis: { type: 'string' },
      concurrency: { type: 'string' },
      lanes: { type: 'string' },
      data: { type: 'string' },
      lease: { type: 'string' },
      name: { type: 'string' },
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
if (args.redis === undefined) fail(`--redis is required\n\n${USAGE}`)
const lanes =
  args.lanes === undefined
    ? null
    : args.lanes.split(',').map((lane) => {
        const parsed = LaneNameSchema.safeParse(lane.trim())
        if (!parsed.success) fail(`--lanes: "${lane}" is not a lane name (${parsed.error.issues[0]?.message ?? 'invalid'})`)
        return parsed.data
      })
const concurrency = integerArg('concurrency', args.concurrency, 1, MAX_CONCURRENCY) ?? Math.min(MAX_CONCURRENCY, availableParallelism())
const leaseMs = (integerArg('lease', args.lease, 2, 3600) ?? DEFAULT_LEASE_S) * 1000
const dataDir = resolve(args.data ?? join(homedir(), '.offload'))

let host: RedisWorkerHost
try {
  const target = parseRedisUrl(args.redis)
  await probeRedis(target)
  ensureDataFolder(dataDir)
  host = await RedisWorkerHost.start({
    target,
    dataDir,
    launcher: createForkLauncher(resolveWorkerEntry(import.meta.dirname)),
    concurrency,
    lanes,
    leaseMs,
    ...(args.name ? { machine: args.name } : {}),
  })
  for (const error of host.kinds.errors) console.error(`offload: could not load kind ${error.file}: ${error.message}`)
  console.log(`Offload worker ${host.machine} is taking jobs from ${target.shown}`)
  console.log(`  ${concurrency} at once, lanes: ${lanes ? lanes.join(', ') : 'all'}; kinds from ${join(dataDir, 'kinds')}`)
} catch (error) {
  if (error instanceof RedisUrlError || error instanceof DataFolderError) fail(error.message)
  throw error
}

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130)
    stopping = true
    console.log(host.busy > 0 ? `Stopping: ${host.busy} running job(s) get ${DEFAULT_GRACE_S} s, then go back to the queue…` : 'Stopping…')
    void host.close(DEFAULT_GRACE_S * 1000).then(() => process.exit(0))
  })
}
