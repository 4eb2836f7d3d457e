import type { BulkResult } from '../../../shared/job'
import type { Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { endLine, followJob, waitForAll, waitForJobs } from './watch-jobs'
import { useColour } from '../output'

const jobs = (n: number, which = ''): string => `${n.toLocaleString('en')} ${which}${n === 1 ? 'job' : 'jobs'}`

/** "Cancelled 2 jobs", then a line for each one that could not be, naming it. */
function report(ctx: Context, verb: string, result: BulkResult, which = ''): ExitCode {
  ctx.err(`${verb} ${jobs(result.changedCount, which)}`)
  for (const f of result.failed) ctx.err(`  ${f.name === null ? f.id : `“${f.name}” (${f.id})`}: ${f.message}`)
  if (result.failedCount > result.failed.length) ctx.err(`  and ${(result.failedCount - result.failed.length).toLocaleString('en')} more`)
  return result.failedCount > 0 ? EXIT.refused : EXIT.ok
}

export async function cancel(ctx: Context, ids: string[]): Promise<ExitCode> {
  return report(ctx, 'Cancelled', await ctx.api.cancelJobs({ ids }))
}

export async function retry(ctx: Context, ids: string[]): Promise<ExitCode> {
  return report(ctx, 'Retried', await ctx.api.retryJobs({ ids }))
}

export async function release(ctx: Context, ids: string[]): Promise<ExitCode> {
  return report(ctx, 'Released', await ctx.api.releaseJobs({ ids }))
}

export async function remove(ctx: Context, ids: string[]): Promise<ExitCode> {
  return report(ctx, 'Removed', await ctx.api.removeJobs({ ids }))
}

export async function pause(ctx: Context): Promise<ExitCode> {
  await ctx.api.pauseQueue({})
  const { counts } = await ctx.api.getStats({})
  ctx.err(`Paused: nothing new starts; ${counts.running} running go on, ${counts.queued.toLocaleString('en')} queued wait`)
  return EXIT.ok
}

export async function resume(ctx: Context): Promise<ExitCode> {
  await ctx.api.resumeQueue({})
  ctx.err('Resumed')
  return EXIT.ok
}

type Finished = 'succeeded' | 'failed' | 'cancelled'
const FINISHED: Finished[] = ['succeeded', 'failed', 'cancelled']

/** Removes finished jobs (all three kinds of finished, or those named) and says how many went. */
export async function clean(ctx: Context, options: { status: string[] }): Promise<ExitCode> {
  const statuses = options.status.length > 0 ? options.status : FINISHED
  const wrong = statuses.filter((s) => !FINISHED.includes(s as Finished))
  if (wrong.length > 0) throw new CliError(`--status: one of ${FINISHED.join(', ')} (queued and running jobs are not cleaned), got "${wrong.join(', ')}"`)
  const { removed } = await ctx.api.clearFinished({ status: statuses as Finished[] })
  ctx.err(`Removed ${jobs(removed, statuses.length === FINISHED.length ? 'finished ' : `${statuses.join(' or ')} `)}`)
  return EXIT.ok
}

/** Streams a job's log until it ends for good, then exits with its outcome. */
export function follow(ctx: Context, id: string): Promise<ExitCode> {
  return followJob(ctx, id)
}

/**
 * Waits for the jobs named, or with --all until nothing is queued or running;
 * 0 if every job it waited for succeeded, 1 if any failed, was cancelled or
 * was removed.
 */
export async function wait(ctx: Context, ids: string[], options: { all?: boolean; quiet?: boolean }): Promise<ExitCode> {
  if (options.all === true && ids.length > 0) throw new CliError('Give job ids or --all, not both')
  if (!options.all && ids.length === 0) throw new CliError('Give the jobs to wait for, or --all')
  const colour = useColour(ctx.io.stderr, ctx.io.env)
  const said = (job: Parameters<typeof endLine>[0]): void => (options.quiet ? undefined : ctx.err(endLine(job, colour)))
  if (options.all) return waitForAll(ctx, said)
  return waitForJobs(ctx, ids, said, (id) => ctx.err(`Job ${id} was removed`))
}
