import { Queue, QueueEvents, type Job as BullJob, type JobState } from 'bullmq'
import type { Redis } from 'ioredis'
import { DEFAULT_LANE, JOB_STATUSES, type Job, type JobPage, type JobStatus, type LogLine, type ParsedListJobsQuery, type Priority } from '../../../shared/job'
import { WorkerHostSchema, type WorkerHost } from '../../../shared/backend'
import { ApiError } from '../../../shared/errors'
import type { JobInsert } from '../../engine/job-store'
import { fromBullJob, queueName, rankOf, toBullJob, type QueuedData } from './job-shape'
import { KEYS, WORKER_SEEN_MS } from './redis-keys'
import { connectRedis, type RedisTarget } from './redis-url'

type Bull = BullJob<QueuedData>

/** The BullMQ states each Offload status can be in (cancelled also lives in KEYS.cancelled). */
const STATES: Record<JobStatus, JobState[]> = {
  held: [],
  waiting: [],
  scheduled: ['delayed'],
  queued: ['waiting', 'prioritized', 'delayed'],
  running: ['active'],
  succeeded: ['completed'],
  failed: ['failed'],
  cancelled: ['failed'],
}
const FORGET_WORKER_MS = 3600_000
/** Jobs read from Redis per round trip while a page is filled. */
const READ_CHUNK = 200

/**
 * The queue as the server sees it on BullMQ: one BullMQ queue per lane, jobs
 * keyed by their Offload id (a ULID, so ids sort by creation time across
 * lanes). The server only sends, reads and changes jobs; worker hosts run
 * them (see worker-host.ts).
 */
export class BullBackend {
  readonly redis: Redis
  private readonly queues = new Map<string, Queue>()
  private readonly events = new Map<string, QueueEvents>()
  private readonly listeners = new Set<(ids: string[]) => void>()
  private readonly eventConnections: Redis[] = []

  constructor(readonly target: RedisTarget) {
    this.redis = connectRedis(target, 'answers')
  }

  async enqueue(rows: readonly JobInsert[], now: number): Promise<void> {
    const byLane = new Map<string, JobInsert[]>()
    for (const row of rows) byLane.set(row.lane, [...(byLane.get(row.lane) ?? []), row])
    await this.redis.sadd(KEYS.lanes, ...byLane.keys())
    for (const [lane, laneRows] of byLane) {
      await this.queue(lane).addBulk(laneRows.map((row) => toBullJob(row, now)))
    }
  }

  async lanes(): Promise<string[]> {
    const known = await this.redis.smembers(KEYS.lanes)
    return [...new Set([DEFAULT_LANE, ...known])].sort()
  }

  async get(id: string): Promise<Job | null> {
    const found = await this.find(id)
    if (found) return found.job
    const tomb = await this.redis.hget(KEYS.cancelled, id)
    return tomb ? (JSON.parse(tomb) as Job) : null
  }

  async list(query: ParsedListJobsQuery): Promise<JobPage> {
    const lanes = query.lane ? [query.lane] : await this.lanes()
    const statuses = query.status ? [query.status] : JOB_STATUSES
    const states = [...new Set(statuses.flatMap((s) => STATES[s]))]
    const located: { id: string; lane: string | null }[] = []
    for (const lane of lanes) {
      const ids = states.length > 0 ? await this.queue(lane).getRanges(states, 0, -1) : []
      for (const id of ids) located.push({ id, lane })
    }
    if (statuses.includes('cancelled')) for (const id of await this.redis.hkeys(KEYS.cancelled)) located.push({ id, lane: null })
    const newest = query.sort === 'newest'
    const unique = [...new Map(located.map((l) => [l.id, l])).values()]
    unique.sort((a, b) => (a.id < b.id ? (newest ? 1 : -1) : a.id > b.id ? (newest ? -1 : 1) : 0))
    const after = query.cursor
    const candidates = after ? unique.filter((l) => (newest ? l.id < after : l.id > after)) : unique.slice(query.offset ?? 0)
    const cancelling = new Set(await this.redis.smembers(KEYS.cancelling))
    const jobs: Job[] = []
    let total = 0
    const wanted = (job: Job): boolean =>
      statuses.includes(job.status) && (!query.kind || job.kind === query.kind) && (!query.q || job.name.toLowerCase().includes(query.q.toLowerCase()))
    for (let at = 0; at < candidates.length && (jobs.length <= query.limit || query.count); at += READ_CHUNK) {
      for (const job of await this.read(candidates.slice(at, at + READ_CHUNK), cancelling)) {
        if (!wanted(job)) continue
        total++
        if (jobs.length <= query.limit) jobs.push(job)
      }
    }
    const more = jobs.length > query.limit
    if (more) jobs.pop()
    return { jobs, nextCursor: more ? jobs[jobs.length - 1]!.id : null, total: query.count ? total + (after ? 0 : (query.offset ?? 0)) : null }
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>
    for (const lane of await this.lanes()) {
      const queue = this.queue(lane)
      const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed')
      counts.queued += (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0)
      counts.running += c.active ?? 0
      counts.succeeded += c.completed ?? 0
      counts.failed += c.failed ?? 0
    }
    const [tombs, ranCancelled] = await Promise.all([this.redis.hlen(KEYS.cancelled), this.redis.scard(KEYS.cancelledRuns)])
    counts.cancelled += tombs + ranCancelled
    counts.failed = Math.max(0, counts.failed - ranCancelled)
    return counts
  }

  async logs(id: string): Promise<LogLine[]> {
    const found = await this.find(id)
    if (!found) return []
    const { logs } = await this.queue(found.lane).getJobLogs(id, 0, -1, true)
    return logs.map((text, seq) => {
      const tab = text.indexOf('\t')
      return { seq: seq + 1, at: tab > 0 ? text.slice(0, tab) : new Date(0).toISOString(), line: tab > 0 ? text.slice(tab + 1) : text }
    })
  }

  /** Before it runs, it leaves its queue for the cancelled list; running, its host is told to stop it (and it ends cancelled). */
  async cancel(id: string, now: number): Promise<Job> {
    const found = await this.find(id)
    if (!found) {
      if (await this.redis.hexists(KEYS.cancelled, id))
        throw new ApiError('wrong_state', `Job ${id} is already cancelled; only jobs not yet finished can be cancelled`)
      throw notFound(id)
    }
    const { bull, job } = found
    if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled')
      throw new ApiError('wrong_state', `Job ${id} is already ${job.status}; only jobs not yet finished can be cancelled`)
    const stamp = new Date(now).toISOString()
    const cancelled: Job = { ...job, status: 'cancelled', finishedAt: stamp, error: { code: 'cancelled', message: 'Cancelled' } }
    if (job.status !== 'running') {
      await this.redis.hset(KEYS.cancelled, id, JSON.stringify(cancelled))
      try {
        await bull.remove()
        this.changed([id])
        return cancelled
      } catch {
        // It was taken by a worker meanwhile (its lock refuses removal): stop it there instead.
        await this.redis.hdel(KEYS.cancelled, id)
      }
    }
    await this.redis.sadd(KEYS.cancelling, id)
    await this.redis.publish(KEYS.cancelChannel, id)
    this.changed([id])
    return { ...cancelled, finishedAt: null }
  }

  async retry(id: string, now: number): Promise<Job> {
    const tomb = await this.redis.hget(KEYS.cancelled, id)
    if (tomb) {
      const job = JSON.parse(tomb) as Job
      await this.enqueue([rowOf(job, now)], now)
      await this.redis.hdel(KEYS.cancelled, id)
      this.changed([id])
      return (await this.get(id))!
    }
    const found = await this.find(id)
    if (!found) throw notFound(id)
    if (found.job.status !== 'failed' && found.job.status !== 'cancelled')
      throw new ApiError('wrong_state', `Job ${id} is ${found.job.status}; only failed or cancelled jobs can be retried`)
    await this.redis.multi().srem(KEYS.cancelling, id).srem(KEYS.cancelledRuns, id).exec()
    const { outcome: _, ...asked } = found.bull.data
    await found.bull.updateData(asked)
    await found.bull.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
    this.changed([id])
    return (await this.get(id))!
  }

  async remove(id: string): Promise<void> {
    if ((await this.redis.hdel(KEYS.cancelled, id)) > 0) return this.changed([id])
    const found = await this.find(id)
    if (!found) throw notFound(id)
    if (found.job.status === 'running') throw new ApiError('wrong_state', `Job ${id} is running; cancel it before removing it`)
    await found.bull.remove()
    await this.redis.multi().srem(KEYS.cancelling, id).srem(KEYS.cancelledRuns, id).exec()
    this.changed([id])
  }

  async setPriority(id: string, priority: Priority): Promise<Job> {
    const found = await this.find(id)
    if (!found) throw notFound(id)
    if (found.job.status !== 'queued' && found.job.status !== 'scheduled')
      throw new ApiError('wrong_state', `Job ${id} is ${found.job.status}; only scheduled or queued jobs can change priority`)
    await found.bull.changePriority({ priority: rankOf(priority) })
    await found.bull.updateData({ ...found.bull.data, priority })
    this.changed([id])
    return (await this.get(id))!
  }

  async setPaused(paused: boolean): Promise<void> {
    for (const lane of await this.lanes()) await (paused ? this.queue(lane).pause() : this.queue(lane).resume())
  }

  async paused(): Promise<boolean> {
    return this.queue(DEFAULT_LANE).isPaused()
  }

  /** The worker hosts that said something lately. */
  async workers(now: number): Promise<WorkerHost[]> {
    const all = await this.redis.hgetall(KEYS.workers)
    const hosts: WorkerHost[] = []
    const gone: string[] = []
    for (const [id, text] of Object.entries(all)) {
      const parsed = WorkerHostSchema.safeParse(JSON.parse(text))
      const silentMs = parsed.success ? now - Date.parse(parsed.data.seenAt) : Infinity
      if (parsed.success && silentMs < WORKER_SEEN_MS) hosts.push(parsed.data)
      // A host killed before it could sign off leaves its entry: gone for an hour, it is forgotten.
      else if (silentMs > FORGET_WORKER_MS) gone.push(id)
    }
    if (gone.length > 0) await this.redis.hdel(KEYS.workers, ...gone)
    return hosts.sort((a, b) => a.machine.localeCompare(b.machine) || a.id.localeCompare(b.id))
  }

  /** Ids of jobs that changed, as BullMQ's event streams (and this server's own changes) tell. */
  async subscribe(listener: (ids: string[]) => void): Promise<() => void> {
    this.listeners.add(listener)
    for (const lane of await this.lanes()) this.listen(lane)
    return () => this.listeners.delete(listener)
  }

  /** Connected now: while Redis is away, commands would wait for its return, so callers are answered at once instead. */
  reachable(): boolean {
    return this.redis.status === 'ready'
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.events.values()].map((e) => e.close()))
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()))
    for (const connection of [this.redis, ...this.eventConnections]) connection.disconnect()
  }

  private changed(ids: string[]): void {
    for (const listener of this.listeners) listener(ids)
  }

  private listen(lane: string): void {
    if (this.events.has(lane)) return
    const connection = connectRedis(this.target)
    this.eventConnections.push(connection)
    const events = new QueueEvents(queueName(lane), { connection })
    events.on('error', () => undefined)
    for (const name of ['added', 'waiting', 'active', 'progress', 'completed', 'failed', 'removed', 'delayed', 'stalled', 'retries-exhausted'] as const) {
      events.on(name, (args: { jobId: string }) => this.changed([args.jobId]))
    }
    this.events.set(lane, events)
  }

  private queue(lane: string): Queue {
    let queue = this.queues.get(lane)
    if (!queue) {
      queue = new Queue(queueName(lane), { connection: this.redis })
      queue.on('error', () => undefined)
      this.queues.set(lane, queue)
      if (this.listeners.size > 0) this.listen(lane)
    }
    return queue
  }

  private async find(id: string): Promise<{ bull: Bull; job: Job; lane: string } | null> {
    for (const lane of await this.lanes()) {
      const queue = this.queue(lane)
      const bull = (await queue.getJob(id)) as Bull | undefined
      if (!bull) continue
      const [state, cancelling] = await Promise.all([bull.getState(), this.redis.sismember(KEYS.cancelling, id)])
      return { bull, job: fromBullJob(bull, state, cancelling === 1 && state === 'active'), lane }
    }
    return null
  }

  private async read(located: readonly { id: string; lane: string | null }[], cancelling: ReadonlySet<string>): Promise<Job[]> {
    const tombIds = located.filter((l) => l.lane === null).map((l) => l.id)
    const tombs = tombIds.length > 0 ? await this.redis.hmget(KEYS.cancelled, ...tombIds) : []
    const tombOf = new Map(tombIds.map((id, i) => [id, tombs[i]]))
    const jobs = await Promise.all(
      located.map(async ({ id, lane }): Promise<Job | null> => {
        if (lane === null) {
          const tomb = tombOf.get(id)
          return tomb ? (JSON.parse(tomb) as Job) : null
        }
        const bull = (await this.queue(lane).getJob(id)) as Bull | undefined
        if (!bull) return null
        const state = await bull.getState()
        return fromBullJob(bull, state, cancelling.has(id) && state === 'active')
      }),
    )
    return jobs.filter((j): j is Job => j !== null)
  }
}

function notFound(id: string): ApiError {
  return new ApiError('not_found', `No job with id ${id}`)
}

/** A cancelled job sent again: as it was asked for, a fresh run. */
function rowOf(job: Job, now: number): JobInsert {
  return {
    id: job.id,
    kind: job.kind,
    name: job.name,
    paramsJson: JSON.stringify(job.params ?? {}),
    priority: job.priority,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    maxMemoryMb: job.maxMemoryMb,
    backoffBaseMs: 1000,
    backoffCapMs: 5 * 60_000,
    createdAt: Date.parse(job.createdAt),
    runAfter: now,
    lane: job.lane,
    slots: 1,
  }
}
