import type { OffloadEvent } from '../../shared/api'
import type { Job, Settings, Stats, StorageHealth } from '../../shared/job'

export type EventListener = (event: OffloadEvent) => void

/**
 * Collects job changes and sends them to listeners in batches, latest state
 * per job, at most once per `intervalMs`, followed by fresh stats. However
 * many jobs report progress, a listener sees a few events a second.
 */
export class JobEvents {
  private readonly listeners = new Set<EventListener>()
  private changed = new Map<string, Job>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly stats: () => Stats,
    /** Gives a job what only the engine knows as it goes out (a running job's live figures). */
    private readonly decorate: (job: Job) => Job = (job) => job,
  ) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  changedJobs(jobs: Iterable<Job>): void {
    if (this.listeners.size === 0) return
    for (const job of jobs) this.changed.set(job.id, job)
    this.schedule()
  }

  /** Settings go out at once: they change rarely and every client should agree on them. */
  settingsChanged(settings: Settings): void {
    this.emit({ type: 'settings', settings })
  }

  /** So is a change in the database's health: every client must know at once that nothing can be saved. */
  storageChanged(storage: StorageHealth): void {
    this.emit({ type: 'storage', storage })
    this.statsChanged()
  }

  /** Stats changed without any job changing (pause, settings, a worker exiting). */
  statsChanged(): void {
    if (this.listeners.size > 0) this.schedule()
  }

  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const jobs = [...this.changed.values()].map(this.decorate)
    this.changed = new Map()
    if (jobs.length > 0) this.emit({ type: 'jobs', jobs })
    this.emit({ type: 'stats', stats: this.stats() })
  }

  close(): void {
    clearTimeout(this.timer)
    this.listeners.clear()
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs)
  }

  private emit(event: OffloadEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // A broken listener must not stop the others or the engine.
      }
    }
  }
}
