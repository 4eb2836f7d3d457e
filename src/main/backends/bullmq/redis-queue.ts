import { monotonicFactory } from 'ulid'
import type { OffloadEvent } from '../../../shared/api'
import type { BackendInfo } from '../../../shared/backend'
import { ApiError } from '../../../shared/errors'
import {
  JOB_STATUSES,
  THROUGHPUT_BUCKETS,
  type BulkResult,
  type BulkTarget,
  type Job,
  type JobPage,
  type JobStatus,
  type LogLine,
  type ParsedListJobsQuery,
  type ParsedNewJob,
  type Priority,
  type Stats,
  type StorageHealth,
} from '../../../shared/job'
import type { Clock } from '../../engine/engine'
import { BulkTally, narrowTarget } from '../../engine/bulk'
import { DEFAULT_COMMAND_OPTIONS } from '../../engine/commands'
import type { JobInsert } from '../../engine/job-store'
import { makeJobRow } from '../../engine/job-row'
import { defaultSettings } from '../../engine/settings'
import type { KindRegistry } from '../../kinds/registry'
import type { Backend } from '../backend'
import { BULLMQ_CAPABILITIES } from '../capabilities'
import type { BullStore } from './bull-store'

/** Job changes go out at most this often, as the embedded engine's do. */
const EVENT_INTERVAL_MS = 250
/** Stats (and the health of Redis) are read this often while a client listens. */
const STATS_INTERVAL_MS = 2000
/** Jobs a bulk action by filter reads per page, until none is left. */
const BULK_PAGE = 1000

/**
 * BullMQ on Redis as a backend: jobs, priorities, delays, retries, progress,
 * logs, cancel, bulk actions, stats and the worker hosts. While Redis is
 * away every call is answered at once with `storage_unavailable`, and the
 * listeners hear the health change.
 */
export class RedisQueue implements Backend<'later'> {
  readonly name = 'bullmq'
  readonly capabilities = BULLMQ_CAPABILITIES
  private readonly nextId = monotonicFactory()
  /** The defaults: each worker host has its own settings (its --concurrency), and none can be changed from here. */
  readonly settings = defaultSettings()
  private healthNow: StorageHealth = { status: 'ok', message: null, since: null }
  private readonly listeners = new Set<(event: OffloadEvent) => void>()
  private readonly pending = new Set<string>()
  private flushTimer: NodeJS.Timeout | undefined
  private statsTimer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined

  constructor(
    readonly store: BullStore,
    private readonly kinds: KindRegistry,
    private readonly clock: Clock = { now: () => Date.now() },
  ) {}

  /** Redis's health as last seen: a server that cannot reach it says so, and answers again when it returns. */
  health(): StorageHealth {
    return this.healthNow
  }

  describe(): Promise<BackendInfo> {
    return this.guard(async () => ({
      name: this.name,
      location: this.store.target.shown,
      capabilities: this.capabilities,
      workers: await this.store.workers(this.clock.now()),
    }))
  }

  add(input: ParsedNewJob): Promise<Job> {
    return this.guard(async () => {
      const now = this.clock.now()
      const row = this.row(input, now)
      await this.store.enqueue([row], now)
      return this.found(row.id)
    })
  }

  addMany(inputs: readonly ParsedNewJob[]): Promise<string[]> {
    return this.guard(async () => {
      const now = this.clock.now()
      const rows = inputs.map((input, index) => {
        try {
          return this.row(input, now)
        } catch (error) {
          if (error instanceof ApiError) throw new ApiError(error.code, `jobs.${index}: ${error.message}`, error.detail)
          throw error
        }
      })
      await this.store.enqueue(rows, now)
      return rows.map((r) => r.id)
    })
  }

  get(id: string): Promise<Job> {
    return this.guard(() => this.found(id))
  }

  list(query: ParsedListJobsQuery): Promise<JobPage> {
    return this.guard(() => this.store.list(query))
  }

  logs(id: string): Promise<LogLine[]> {
    return this.guard(async () => (await this.found(id), this.store.logs(id)))
  }

  stats(): Promise<Stats> {
    return this.guard(() => this.readStats())
  }

  cancel(id: string): Promise<Job> {
    return this.guard(() => this.store.cancel(id, this.clock.now()))
  }

  retry(id: string): Promise<Job> {
    return this.guard(() => this.store.retry(id, this.clock.now()))
  }

  cancelMany(target: BulkTarget): Promise<BulkResult> {
    return this.guard(() => this.bulk(target, ['scheduled', 'queued', 'running'], (id) => this.store.cancel(id, this.clock.now())))
  }

  retryMany(target: BulkTarget): Promise<BulkResult> {
    return this.guard(() => this.bulk(target, ['failed', 'cancelled'], (id) => this.store.retry(id, this.clock.now())))
  }

  removeMany(target: BulkTarget): Promise<BulkResult> {
    return this.guard(() => this.bulk(target, JOB_STATUSES, (id) => this.store.remove(id)))
  }

  prioritize(target: BulkTarget, priority: Priority): Promise<BulkResult> {
    return this.guard(() => this.bulk(target, ['scheduled', 'queued'], (id) => this.store.setPriority(id, priority)))
  }

  setPaused(paused: boolean): Promise<void> {
    return this.guard(async () => {
      await this.store.setPaused(paused)
      this.changed([])
    })
  }

  subscribe(listener: (event: OffloadEvent) => void): () => void {
    this.listeners.add(listener)
    if (!this.unsubscribe) {
      this.unsubscribe = this.store.subscribe((ids) => this.changed(ids))
      this.statsTimer = setInterval(() => this.changed([]), STATS_INTERVAL_MS)
      this.statsTimer.unref()
    }
    return () => this.listeners.delete(listener)
  }

  async close(): Promise<void> {
    clearTimeout(this.flushTimer)
    clearInterval(this.statsTimer)
    this.unsubscribe?.()
    this.listeners.clear()
    await this.store.close()
  }

  /** Runs `work` once Redis has had its chance to connect; while it is away, the caller hears so at once. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    await this.store.firstConnection()
    if (!this.store.reachable()) {
      this.markHealth(false)
      throw new ApiError('storage_unavailable', this.healthNow.message!)
    }
    return work()
  }

  private markHealth(ok: boolean): void {
    if (ok === (this.healthNow.status === 'ok')) return
    this.healthNow = ok
      ? { status: 'ok', message: null, since: null }
      : {
          status: 'unavailable',
          message: `Redis at ${this.store.target.shown} cannot be reached. Running jobs go on on their machines; nothing new is sent until it is back, and Offload keeps trying.`,
          since: new Date(this.clock.now()).toISOString(),
        }
    this.emit({ type: 'storage', storage: this.healthNow })
  }

  private emit(event: OffloadEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // One broken listener must not stop the others.
      }
    }
  }

  private async readStats(): Promise<Stats> {
    const [counts, workers, paused] = await Promise.all([this.store.counts(), this.store.workers(this.clock.now()), this.store.paused()])
    const max = workers.reduce((n, w) => n + w.concurrency, 0)
    const busy = workers.reduce((n, w) => n + w.running, 0)
    return {
      counts,
      workers: { busy, idle: Math.max(0, max - busy), max },
      paused,
      finished: new Array<number>(THROUGHPUT_BUCKETS).fill(0),
      storage: this.healthNow,
      hours: { quiet: false, until: null, kinds: [], held: 0 },
      throttle: { limit: max, reason: null },
    }
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined
    this.markHealth(this.store.reachable())
    if (!this.store.reachable()) return
    const ids = [...this.pending]
    this.pending.clear()
    try {
      const jobs = (await Promise.all(ids.map((id) => this.store.get(id)))).filter((j): j is Job => j !== null)
      if (jobs.length > 0) this.emit({ type: 'jobs', jobs })
      this.emit({ type: 'stats', stats: await this.readStats() })
      this.markHealth(true)
    } catch {
      this.markHealth(this.store.reachable())
    }
  }

  private changed(ids: string[]): void {
    for (const id of ids) this.pending.add(id)
    this.flushTimer ??= setTimeout(() => void this.flush(), EVENT_INTERVAL_MS)
  }

  /** The seam has refused what BullMQ lacks (keys, dependencies, hold, slots); what is left is a plain job's row. */
  private row(input: ParsedNewJob, now: number): JobInsert {
    return makeJobRow(input, now, { kinds: this.kinds, options: DEFAULT_COMMAND_OPTIONS, concurrency: () => this.settings.concurrency, nextId: this.nextId })
  }

  private async bulk(target: BulkTarget, applies: readonly JobStatus[], change: (id: string) => Promise<unknown>): Promise<BulkResult> {
    const names = new Map<string, string>()
    const tally = new BulkTally((id) => names.get(id))
    const narrowed = narrowTarget(target, applies)
    if (!narrowed) return tally.done()
    let ids: string[]
    if (narrowed.filter) {
      const statuses = [narrowed.filter.status ?? JOB_STATUSES].flat()
      ids = []
      for (const status of statuses) {
        let cursor: string | null = null
        do {
          const page: JobPage = await this.store.list({
            status,
            sort: 'oldest',
            limit: BULK_PAGE,
            count: false,
            ...(cursor ? { cursor } : {}),
            ...(narrowed.filter.kind ? { kind: narrowed.filter.kind } : {}),
            ...(narrowed.filter.lane ? { lane: narrowed.filter.lane } : {}),
            ...(narrowed.filter.q ? { q: narrowed.filter.q } : {}),
          })
          ids.push(...page.jobs.map((j) => j.id))
          cursor = page.nextCursor
        } while (cursor)
      }
      // A job that moved between two statuses' listings is listed twice: it is acted on once.
      ids = [...new Set(ids)]
    } else ids = [...new Set(narrowed.ids)]
    for (const id of ids) {
      try {
        await change(id)
        tally.changed(id)
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        names.set(id, (await this.store.get(id))?.name ?? id)
        tally.failed(id, error)
      }
    }
    return tally.done()
  }

  private async found(id: string): Promise<Job> {
    const job = await this.store.get(id)
    if (!job) throw new ApiError('not_found', `No job with id ${id}`)
    return job
  }
}
