import type { DependencyFailure, KeyMode } from '../../../shared/job'
import type { Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { jobSpec, slotCount, tryLimits, type JobSpecOptions, type TryLimits } from '../job-spec'
import { formatTime, parseDuration, useColour } from '../output'
import { parseAt } from '../when'
import { placement } from '../lane-output'
import { inFlags } from './schedule'
import { endLine, followJob, waitForJobs } from './watch-jobs'

export interface AddOptions extends JobSpecOptions {
  priority?: string
  timeout?: string
  attempts?: string
  at?: string
  delay?: string
  lane?: string
  slots?: string
  hold?: boolean
  after?: string[]
  ifDependencyFails?: DependencyFailure
  key?: string
  keyMode?: KeyMode
  debounce?: string
  maxWait?: string
  wait?: boolean
  follow?: boolean
  printId?: boolean
  json?: boolean
}

type Limits = TryLimits & {
  runAt?: string
  delayMs?: number
  lane?: string
  slots?: number
  hold?: boolean
  after?: string[]
  onDependencyFailure?: DependencyFailure
  key?: string
  keyMode?: KeyMode
  debounceMs?: number
  maxWaitMs?: number
}

/** The API names a job's fields; the person typed flags, so its complaints name those. */
const FLAG_OF: Record<string, string> = {
  lane: '--lane',
  slots: '--slots',
  after: '--after',
  onDependencyFailure: '--if-dependency-fails',
  key: '--key',
  keyMode: '--key-mode',
  debounceMs: '--debounce',
  maxWaitMs: '--max-wait',
}

function duration(flag: string, text: string, example: string): number {
  const ms = parseDuration(text)
  if (ms === null || ms < 1) throw new CliError(`${flag}: a duration such as ${example}, got "${text}"`)
  return ms
}

function limits(options: AddOptions, now: Date): Limits {
  const out: Limits = {}
  if (options.at !== undefined && options.delay !== undefined) throw new CliError('Give --at or --delay, not both')
  if (options.at !== undefined) {
    const at = parseAt(options.at, now)
    if (!at) throw new CliError(`--at: a time such as 14:30, "2026-12-24 18:00" or 2026-12-24T18:00:00Z, got "${options.at}"`)
    out.runAt = at.toISOString()
  }
  if (options.delay !== undefined) {
    const ms = parseDuration(options.delay)
    if (ms === null) throw new CliError(`--delay: a duration such as 90s, 5m or 1h30m, got "${options.delay}"`)
    out.delayMs = ms
  }
  // The lane's name is the API's to check: it says what a lane may be called.
  if (options.lane !== undefined) out.lane = options.lane
  if (options.slots !== undefined) out.slots = slotCount('--slots', options.slots)
  if (options.hold) out.hold = true
  if (options.after && options.after.length > 0) out.after = options.after
  if (options.ifDependencyFails) out.onDependencyFailure = options.ifDependencyFails
  // The API checks these too, but its messages name its fields; a person typed flags.
  for (const [flag, given] of [
    ['--key-mode', options.keyMode],
    ['--debounce', options.debounce],
    ['--max-wait', options.maxWait],
  ] as const)
    if (given !== undefined && options.key === undefined) throw new CliError(`${flag} needs --key: the name of the work`)
  if (options.debounce !== undefined && options.keyMode !== undefined && options.keyMode !== 'debounce')
    throw new CliError(`--debounce is for --key-mode debounce, not ${options.keyMode}`)
  if (options.maxWait !== undefined && options.debounce === undefined) throw new CliError('--max-wait is for --debounce')
  if (options.keyMode === 'debounce' && options.debounce === undefined)
    throw new CliError('--key-mode debounce needs --debounce: how long after the last add to start')
  if (options.debounce !== undefined && (options.at !== undefined || options.delay !== undefined))
    throw new CliError(`Give --debounce or --${options.at !== undefined ? 'at' : 'delay'}, not both: a debounced job starts when its adds stop`)
  if (options.key !== undefined) out.key = options.key
  const mode = options.keyMode ?? (options.debounce !== undefined ? 'debounce' : undefined)
  if (mode !== undefined) out.keyMode = mode
  if (options.debounce !== undefined) out.debounceMs = duration('--debounce', options.debounce, '2s or 5m')
  if (options.maxWait !== undefined) out.maxWaitMs = duration('--max-wait', options.maxWait, '30s or 1h')
  return { ...out, ...tryLimits(options) }
}

function keyedVerb(options: AddOptions): string {
  const mode = options.keyMode ?? (options.debounce !== undefined ? 'debounce' : 'dedupe')
  return mode === 'dedupe' ? 'Already there:' : mode === 'replace' ? 'Replaced the params of' : 'Put back the start of'
}

/** Queues a job: `add <kind> --param k=v …`, or `add -- <command> [args…]` for a shell job run where you are. */
export async function add(ctx: Context, kind: string | undefined, command: readonly string[] | undefined, options: AddOptions): Promise<ExitCode> {
  if (options.wait && options.follow) throw new CliError('Give --wait or --follow, not both')
  // A held job would be waited for until someone else released it.
  if (options.hold && (options.wait || options.follow)) throw new CliError(`Give --hold or --${options.wait ? 'wait' : 'follow'}, not both`)
  if (options.json && options.printId) throw new CliError('Give --json or --print-id, not both')
  // The log would follow the JSON on stdout.
  if (options.json && options.follow) throw new CliError('Give --json or --follow, not both')
  const spec = await jobSpec(ctx, kind, command, options, 'offload add')
  const sentAt = Date.now()
  const job = await ctx.api.createJob({ ...spec, ...limits(options, new Date()) }).catch((error: unknown) => {
    throw inFlags(error, (field) => FLAG_OF[field.split('.')[0]!])
  })
  if (options.json) ctx.out(JSON.stringify(job, null, 2))
  else if (options.printId) ctx.out(job.id)
  else if (options.key !== undefined && Date.parse(job.createdAt) < sentAt)
    // The key named work already pending or running: that job stands for this add (with its params replaced, for replace and debounce).
    ctx.err(`${keyedVerb(options)} “${job.name}” (${job.id}), ${job.status} under key ${options.key}`)
  else if (job.status === 'waiting')
    ctx.err(
      `Waiting “${job.name}” (${job.id})${placement(job)}: it starts once ${job.waitingOn === 1 ? 'the job it depends on has' : `the ${job.waitingOn} jobs it depends on have`} succeeded`,
    )
  else if (job.status === 'held') ctx.err(`Held “${job.name}” (${job.id})${placement(job)}: offload release ${job.id} lets it go on`)
  else if (job.status === 'scheduled') ctx.err(`Scheduled “${job.name}” (${job.id}) for ${formatTime(job.runAfter)}${placement(job)}`)
  else ctx.err(`Queued “${job.name}” (${job.id})${placement(job)}`)
  if (options.follow) return followJob(ctx, job.id)
  if (options.wait) {
    const colour = useColour(ctx.io.stderr, ctx.io.env)
    return waitForJobs(
      ctx,
      [job.id],
      (ended) => ctx.err(endLine(ended, colour)),
      (id) => ctx.err(`Job ${id} was removed`),
    )
  }
  return EXIT.ok
}
