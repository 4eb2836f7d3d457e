import type { Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { jobSpec, tryLimits, type JobSpecOptions, type TryLimits } from '../job-spec'
import { formatTime, parseDuration, useColour } from '../output'
import { parseAt } from '../when'
import { endLine, followJob, waitForJobs } from './watch-jobs'

export interface AddOptions extends JobSpecOptions {
  priority?: string
  timeout?: string
  attempts?: string
  at?: string
  delay?: string
  wait?: boolean
  follow?: boolean
  printId?: boolean
}

type Limits = TryLimits & { runAt?: string; delayMs?: number }

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
  return { ...out, ...tryLimits(options) }
}

/** Queues a job: `add <kind> --param k=v …`, or `add -- <command> [args…]` for a shell job run where you are. */
export async function add(ctx: Context, kind: string | undefined, command: readonly string[] | undefined, options: AddOptions): Promise<ExitCode> {
  if (options.wait && options.follow) throw new CliError('Give --wait or --follow, not both')
  const spec = await jobSpec(ctx, kind, command, options, 'offload add')
  const job = await ctx.api.createJob({ ...spec, ...limits(options, new Date()) })
  if (options.printId) ctx.out(job.id)
  else if (job.status === 'scheduled') ctx.err(`Scheduled “${job.name}” (${job.id}) for ${formatTime(job.runAfter)}`)
  else ctx.err(`Queued “${job.name}” (${job.id})`)
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
