import type { Job, JobStatus } from '../../../shared/job'
import { ApiError } from '../../../shared/wire-error'
import type { Context } from '../context'
import { EXIT, type ExitCode } from '../errors'
import { followEvents } from '../events'
import { formatDuration, jobDuration, paintStatus, useColour } from '../output'

export const FINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled'])
/** How often to look again when the event stream says nothing (it may have dropped). */
const POLL_MS = 1000
const LOG_POLL_MS = 250
/** Up to this many jobs are each looked at every second; more, every ten. */
const POLL_EACH_UP_TO = 20

/** One line for a job that ended: how, in how long, and why when it failed. */
export function endLine(job: Job, colour: boolean): string {
  const took = formatDuration(jobDuration(job, Date.now()))
  const why = job.status === 'succeeded' ? '' : `: ${job.error?.message ?? job.status}`
  return `${paintStatus(job.status, job.status, colour)} “${job.name}” (${job.id}) in ${took}${why}`
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The job as it is now, or null if it has been removed. */
async function current(ctx: Context, id: string): Promise<Job | null> {
  try {
    return await ctx.api.getJob({ id })
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') return null
    throw error
  }
}

/**
 * Waits until each job has ended for good (a failed try that will be retried
 * has not), hearing of changes from the event stream and looking again every
 * second in case it dropped; `onEnd` hears each job as it ends, `onRemoved`
 * each one removed meanwhile. Resolves with 0 if every one succeeded, else 1.
 */
export async function waitForJobs(ctx: Context, ids: readonly string[], onEnd: (job: Job) => void, onRemoved: (id: string) => void): Promise<ExitCode> {
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
    for (const id of [...pending]) {
      const job = await current(ctx, id)
      if (job) settle(job)
      else if (pending.delete(id)) {
        failed = true
        onRemoved(id)
      }
    }
  }
  const events = followEvents(ctx.connection, { onEvent: (event) => event.type === 'jobs' && event.jobs.forEach(settle) }, stop.signal)
  try {
    await look()
    for (let round = 1; pending.size > 0; round++) {
      await sleep(POLL_MS)
      // Many jobs: the events say how each ends; a look at each one every tenth round catches what a dropped stream missed.
      if (pending.size > 0 && (pending.size <= POLL_EACH_UP_TO || round % 10 === 0)) await look()
    }
  } finally {
    stop.abort()
    await events
  }
  return failed ? EXIT.jobFailed : EXIT.ok
}

/**
 * Waits until nothing is queued or running (read twice, a second apart, so a
 * job between statuses isn't missed); 1 if any job ended failed or cancelled
 * meanwhile. A paused queue with jobs waiting is said once: it won't drain.
 */
export async function waitForAll(ctx: Context, onEnd: (job: Job) => void): Promise<ExitCode> {
  let failed = false
  const stop = new AbortController()
  const seen = new Set<string>()
  const onEvent = (jobs: readonly Job[]): void => {
    for (const job of jobs) {
      const key = `${job.id}@${job.finishedAt}`
      if (!FINAL.has(job.status) || seen.has(key)) continue
      seen.add(key)
      if (job.status !== 'succeeded') failed = true
      onEnd(job)
    }
  }
  let opened!: () => void
  const open = new Promise<void>((resolve) => (opened = resolve))
  const events = followEvents(ctx.connection, { onEvent: (event) => event.type === 'jobs' && onEvent(event.jobs), onOpen: () => opened() }, stop.signal)
  try {
    // Jobs that end before the stream is open would go unheard.
    await Promise.race([open, sleep(5000)])
    let saidPaused = false
    for (let idle = 0; idle < 2;) {
      const { counts, paused } = await ctx.api.getStats({})
      idle = counts.queued + counts.running === 0 ? idle + 1 : 0
      if (paused && counts.queued > 0 && counts.running === 0 && !saidPaused) {
        ctx.err(`The queue is paused: ${counts.queued.toLocaleString('en')} queued wait (offload resume)`)
        saidPaused = true
      }
      if (idle < 2) await sleep(idle === 1 ? 300 : POLL_MS)
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
    const fresh = lines.filter((l) => l.seq > printed)
    // The server keeps the newest 2,000 lines: a job that wrote more between two reads has lost some on the way.
    if (fresh.length > 0 && fresh[0]!.seq > printed + 1 && printed > 0) ctx.err(`… ${(fresh[0]!.seq - printed - 1).toLocaleString('en')} lines not kept`)
    for (const { seq, line } of fresh) {
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
    code = await waitForJobs(
      ctx,
      [id],
      (job) => (ended = job),
      () => ctx.err(`Job ${id} was removed`),
    )
  } finally {
    clearInterval(timer)
  }
  await reading
  if (ended) {
    await flush()
    ctx.err(endLine(ended, useColour(ctx.io.stderr, ctx.io.env)))
  }
  return code
}
