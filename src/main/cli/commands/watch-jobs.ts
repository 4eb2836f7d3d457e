import type { Job, JobStatus } from '../../../shared/job'
import type { Context } from '../context'
import { EXIT, type ExitCode } from '../errors'
import { followEvents } from '../events'
import { formatDuration, jobDuration, paintStatus, useColour } from '../output'

export const FINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled'])
/** How often to look again when the event stream says nothing (it may have dropped). */
const POLL_MS = 1000
const LOG_POLL_MS = 250

/** One line for a job that ended: how, in how long, and why when it failed. */
export function endLine(job: Job, colour: boolean): string {
  const took = formatDuration(jobDuration(job, Date.now()))
  const why = job.status === 'succeeded' ? '' : `: ${job.error?.message ?? job.status}`
  return `${paintStatus(job.status, job.status, colour)} “${job.name}” (${job.id}) in ${took}${why}`
}

/**
 * Waits until each job has ended for good (a failed try that will be retried
 * has not), hearing of changes from the event stream and looking again every
 * second in case it dropped; `onEnd` hears each job as it ends. Resolves with
 * 0 if every one succeeded, else 1.
 */
export async function waitForJobs(ctx: Context, ids: readonly string[], onEnd: (job: Job) => void): Promise<ExitCode> {
  const pending = new Set(ids)
  let failed = false
  const stop = new AbortController()
  const settle = (job: Job): void => {
    if (!pending.has(job.id) || !FINAL.has(job.status)) return
    pending.delete(job.id)
    if (job.status !== 'succeeded') failed = true
    onEnd(job)
  }
  const look = async (): Promise<void> => {
    for (const id of [...pending]) settle(await ctx.api.getJob({ id }))
  }
  const events = followEvents(
    ctx.connection,
    { onEvent: (event) => event.type === 'jobs' && event.jobs.forEach(settle), onOpen: () => void look().catch(() => undefined) },
    stop.signal,
  )
  try {
    await look()
    while (pending.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      if (pending.size > 0) await look()
    }
  } finally {
    stop.abort()
    await events
  }
  return failed ? EXIT.jobFailed : EXIT.ok
}

/** Prints a job's log as it grows, until the job ends for good; resolves with its outcome's exit code. */
export async function followJob(ctx: Context, id: string): Promise<ExitCode> {
  let printed = 0
  const flush = async (): Promise<void> => {
    const { lines } = await ctx.api.getJobLogs({ id })
    for (const { seq, line } of lines) {
      if (seq <= printed) continue
      ctx.out(line)
      printed = seq
    }
  }
  await flush()
  let ended: Job | undefined
  // Lines come as they are written: the log is read again every LOG_POLL_MS while the job runs.
  let reading: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    reading = reading.then(flush).catch(() => undefined)
  }, LOG_POLL_MS)
  let code: ExitCode
  try {
    code = await waitForJobs(ctx, [id], (job) => (ended = job))
  } finally {
    clearInterval(timer)
  }
  await reading
  await flush()
  if (ended) ctx.err(endLine(ended, useColour(ctx.io.stderr, ctx.io.env)))
  return code
}
