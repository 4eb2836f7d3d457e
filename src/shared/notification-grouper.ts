import type { Job, JobStatus, Settings } from './job'

export interface NotificationSummary {
  title: string
  body: string
  /** What a click shows: the one job, or the list filtered to a status. */
  reveal: { jobId: string } | { status: JobStatus }
}

export interface GrouperOptions {
  /** A summary goes out once no job has finished for this long… */
  quietMs: number
  /** …or this long after the first one, whichever comes first. */
  maxWaitMs: number
}

export const DEFAULT_GROUPING: GrouperOptions = { quietMs: 1500, maxWaitMs: 5000 }
const NAMES_SHOWN = 3

/**
 * Turns jobs finishing into few notifications: one per burst ("12 jobs
 * finished · 1 failed"), not one per job. Which outcomes notify is read from
 * the settings at the moment each job finishes.
 */
export class NotificationGrouper {
  private succeeded: Job[] = []
  private failed: Job[] = []
  private readonly seen = new Set<string>()
  private quietTimer: ReturnType<typeof setTimeout> | undefined
  private maxTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly settings: () => Pick<Settings, 'notifyOnSuccess' | 'notifyOnFailure'>,
    private readonly show: (summary: NotificationSummary) => void,
    private readonly options: GrouperOptions = DEFAULT_GROUPING,
  ) {}

  jobsChanged(jobs: readonly Job[]): void {
    const { notifyOnSuccess, notifyOnFailure } = this.settings()
    let added = false
    for (const job of jobs) {
      const key = `${job.id}@${job.finishedAt}`
      if ((job.status !== 'succeeded' && job.status !== 'failed') || this.seen.has(key)) continue
      this.seen.add(key)
      if (job.status === 'succeeded' && notifyOnSuccess) this.succeeded.push(job)
      else if (job.status === 'failed' && notifyOnFailure) this.failed.push(job)
      else continue
      added = true
    }
    if (!added) return
    clearTimeout(this.quietTimer)
    this.quietTimer = setTimeout(() => this.flush(), this.options.quietMs)
    this.maxTimer ??= setTimeout(() => this.flush(), this.options.maxWaitMs)
  }

  flush(): void {
    clearTimeout(this.quietTimer)
    clearTimeout(this.maxTimer)
    this.quietTimer = this.maxTimer = undefined
    const summary = summarize(this.succeeded, this.failed)
    this.succeeded = []
    this.failed = []
    this.seen.clear()
    if (summary) this.show(summary)
  }

  dispose(): void {
    clearTimeout(this.quietTimer)
    clearTimeout(this.maxTimer)
  }
}

export function summarize(succeeded: readonly Job[], failed: readonly Job[]): NotificationSummary | null {
  const all = [...failed, ...succeeded]
  if (all.length === 0) return null
  if (all.length === 1) {
    const job = all[0]!
    return job.status === 'failed'
      ? { title: `Failed: ${job.name}`, body: job.error?.message ?? 'The job failed', reveal: { jobId: job.id } }
      : { title: `Finished: ${job.name}`, body: job.progress.message ?? 'The job is done', reveal: { jobId: job.id } }
  }
  const parts = []
  if (succeeded.length > 0) parts.push(`${succeeded.length} job${succeeded.length === 1 ? '' : 's'} finished`)
  if (failed.length > 0) parts.push(`${failed.length} failed`)
  const names = all.slice(0, NAMES_SHOWN).map((j) => j.name)
  const more = all.length > NAMES_SHOWN ? ` and ${all.length - NAMES_SHOWN} more` : ''
  return {
    title: parts.join(' · '),
    body: `${names.join(', ')}${more}`,
    reveal: { status: failed.length > 0 ? 'failed' : 'succeeded' },
  }
}
