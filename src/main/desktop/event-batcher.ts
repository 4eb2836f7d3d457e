import type { OffloadEvent } from '../../shared/api'
import type { Job } from '../../shared/job'

/**
 * Merges events for one window and sends them as one batch at most every
 * `intervalMs`: the latest state of each job, the latest stats and settings.
 * A quiet stream is sent at once; a busy one, ten times a second.
 */
export class EventBatcher {
  private jobs = new Map<string, Job>()
  private rest: OffloadEvent[] = []
  private timer: NodeJS.Timeout | undefined
  private lastSent = -Infinity

  constructor(
    private readonly intervalMs: number,
    private readonly send: (batch: OffloadEvent[]) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  push(event: OffloadEvent): void {
    if (event.type === 'jobs') for (const job of event.jobs) this.jobs.set(job.id, job)
    else {
      // Only the latest stats and settings matter; a reveal is an action and is kept.
      if (event.type !== 'reveal') this.rest = this.rest.filter((e) => e.type !== event.type)
      this.rest.push(event)
    }
    if (this.timer) return
    const wait = this.lastSent + this.intervalMs - this.now()
    this.timer = setTimeout(() => this.flush(), Math.max(0, wait))
  }

  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const batch: OffloadEvent[] = []
    if (this.jobs.size > 0) batch.push({ type: 'jobs', jobs: [...this.jobs.values()] })
    batch.push(...this.rest)
    this.jobs = new Map()
    this.rest = []
    if (batch.length === 0) return
    this.lastSent = this.now()
    this.send(batch)
  }

  dispose(): void {
    clearTimeout(this.timer)
  }
}
