import { Queue, QueueEvents, type JobState } from 'bullmq'
import type { Redis } from 'ioredis'
import { DEFAULT_LANE, JOB_STATUSES, type Job, type JobPage, type JobStatus, type LogLine, type ParsedListJobsQuery, type Priority } from '../../../shared/job'
import { WorkerHostSchema, type WorkerHost } from '../../../shared/backend'
import { ApiError } from '../../../shared/errors'
import type { JobRecord } from '../../../shared/export'
import type { JobInsert } from '../../engine/job-store'
import { jobOfRecord, recordOfBull, rowOfRecord } from './job-records'
import { fromBullJob, queueName, rankOf, toBullJob, type Bull } from './job-shape'
import { ENDED_STATUSES, KEYS, WORKER_SEEN_MS, type EndedStatus } from './redis-keys'
import { CONNECT_TIMEOUT_MS, connectRedis, type RedisTarget } from './redis-url'

/** Where a job is: in a lane's queue, or kept among those that ended outside any queue. */
type Located = { id: string; lane: string } | { id: string; kept: EndedStatus }

const isEnded = (status: JobStatus): status is EndedStatus => (ENDED_STATUSES as string[]).includes(status)

/** The BullMQ states each Offload status can be in (each ended status also has its KEYS.ended hash). */
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
export class BullStore {
  readonly redis: Redis
  private readonly queues = new Map<string, Queue>()
  private readonly events = new Map<string, QueueEvents>()
  private readonly listeners = new Set<(ids: string[]) => void>()
  private readonly eventConnections: Redis[] = []
  private connected: Promise<void> | undefined

  constructor(readonly target: RedisTarget) {
    this.redis = connectRedis(target, 'answers')
  }

  async enqueue(rows: readonly JobInsert[], now: number): Promise<void> {
    if (rows.length === 0) return
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
    const kept = await this.kept(id)
    return kept && jobOfRecord(kept)
  }

  /** Every job whole, in id order, a page at a time: what an export holds. */
  async *records(pageSize: number): AsyncGenerator<JobRecord[]> {
    const cancelling = new Set(await this.redis.smembers(KEYS.cancelling))
    const located = await this.locate(await this.lanes(), JOB_STATUSES)
    for (let at = 0; at < located.length; at += pageSize) {
      const page = await this.readAs(
        located.slice(at, at + pageSize),
        (bull, state, retryAt) => recordOfBull(bull, state, cancelling.has(bull.id!) && state === 'active', retryAt),
        (r) => r,
      )
      if (page.length > 0) yield page
    }
  }

  /** Which of these ids a job has, in a queue or kept. */
  async stored(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>()
    if (ids.length === 0) return found
    const lanes = await this.lanes()
    const pipeline = this.redis.pipeline()
    for (const status of ENDED_STATUSES) pipeline.hmget(KEYS.ended[status], ...ids)
    for (const lane of lanes) for (const id of ids) pipeline.exists(this.queue(lane).toKey(id))
    const answers = (await pipeline.exec()) ?? []
    const failed = answers.find(([error]) => error)
    if (failed) throw failed[0]!
    ENDED_STATUSES.forEach((_, s) => ((answers[s]?.[1] ?? []) as (string | null)[]).forEach((text, i) => text !== null && found.add(ids[i]!)))
    lanes.forEach((_, l) => ids.forEach((id, i) => answers[ENDED_STATUSES.length + l * ids.length + i]?.[1] === 1 && found.add(id)))
    return found
  }

  /** Jobs that ended elsewhere (an import's finished ones), kept as they were, in one transaction. */
  async keep(records: readonly JobRecord[]): Promise<void> {
    if (records.length === 0) return
    const multi = this.redis.multi()
    for (const record of records) multi.hset(KEYS.ended[record.status as EndedStatus], record.id, JSON.stringify(record))
    await multi.exec()
    this.changed(records.map((r) => r.id))
  }

  /** A job that ended outside any queue, as kept. */
  private async kept(id: string): Promise<JobRecord | null> {
    const texts = await Promise.all(ENDED_STATUSES.map((status) => this.redis.hget(KEYS.ended[status], id)))
    const text = texts.find((t) => t !== null)
    return text ? (JSON.parse(text) as JobRecord) : null
  }

  /** Every job, queued or kept, in id order. */
  private async locate(lanes: readonly string[], statuses: readonly JobStatus[]): Promise<Located[]> {
    const states = [...new Set(statuses.flatMap((s) => STATES[s]))]
    const located: Located[] = []
    for (const lane of lanes) {
      const ids = states.length > 0 ? await this.queue(lane).getRanges(states, 0, -1) : []
      for (const id of ids) located.push({ id, lane })
    }
    for (const status of statuses.filter(isEnded)) for (const id of await this.redis.hkeys(KEYS.ended[status])) located.push({ id, kept: status })
    const unique = [...new Map(located.map((l) => [l.id, l])).values()]
    return unique.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  async list(query: ParsedListJobsQuery): Promise<JobPage> {
    const lanes = query.lane ? [query.lane] : await this.lanes()
    const statuses = query.status ? [query.status] : JOB_STATUSES
    const newest = query.sort === 'newest'
    const unique = await this.locate(lanes, statuses)
    if (newest) unique.reverse()
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
    const [kept, ranCancelled] = await Promise.all([
      Promise.all(ENDED_STATUSES.map((s) => this.redis.hlen(KEYS.ended[s]))),
      this.redis.scard(KEYS.cancelledRuns),
    ])
    ENDED_STATUSES.forEach((status, i) => (counts[status] += kept[i]!))
    counts.cancelled += ranCancelled
    counts.failed = Math.max(0, counts.failed - ranCancelled)
    return counts
  }

  /** A lane's jobs waiting to run and running now (each BullMQ job takes one slot). */
  async laneCounts(lane: string): Promise<{ queued: number; running: number }> {
    const c = await this.queue(lane).getJobCounts('waiting', 'prioritized', 'active')
    return { queued: (c.waiting ?? 0) + (c.prioritized ?? 0), running: c.active ?? 0 }
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
    if (!found) throw await this.missing(id, 'only jobs not yet finished can be cancelled')
    const { bull, job, state } = found
    if (isEnded(job.status)) throw new ApiError('wrong_state', `Job ${id} is already ${job.status}; only jobs not yet finished can be cancelled`)
    const stamp = new Date(now).toISOString()
    const error = { code: 'cancelled' as const, message: 'Cancelled' }
    const cancelled: Job = { ...job, status: 'cancelled', finishedAt: stamp, error }
    if (job.status !== 'running') {
      const record: JobRecord = { ...recordOfBull(bull, state), status: 'cancelled', finishedAt: stamp, error }
      await this.redis.hset(KEYS.ended.cancelled, id, JSON.stringify(record))
      try {
        await bull.remove()
        this.changed([id])
        return cancelled
      } catch {
        // It was taken by a worker meanwhile (its lock refuses removal): stop it there instead.
        await this.redis.hdel(KEYS.ended.cancelled, id)
      }
    }
    await this.redis.sadd(KEYS.cancelling, id)
    await this.redis.publish(KEYS.cancelChannel, id)
    this.changed([id])
    return { ...cancelled, finishedAt: null }
  }

  async retry(id: string, now: number): Promise<Job> {
    const kept = await this.kept(id)
    if (kept && kept.status !== 'succeeded') {
      // Sent again as it was asked for: a fresh run.
      await this.enqueue([rowOfRecord(kept, now)], now)
      await this.redis.hdel(KEYS.ended[kept.status as EndedStatus], id)
      this.changed([id])
      return (await this.get(id))!
    }
    const found = await this.find(id)
    if (!found) throw await this.missing(id, 'only failed or cancelled jobs can be retried')
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
    const dropped = await Promise.all(ENDED_STATUSES.map((s) => this.redis.hdel(KEYS.ended[s], id)))
    if (dropped.some((n) => n > 0)) return this.changed([id])
    const found = await this.find(id)
    if (!found) throw notFound(id)
    if (found.job.status === 'running') throw new ApiError('wrong_state', `Job ${id} is running; cancel it before removing it`)
    await found.bull.remove()
    await this.redis.multi().srem(KEYS.cancelling, id).srem(KEYS.cancelledRuns, id).exec()
    this.changed([id])
  }

  async setPriority(id: string, priority: Priority): Promise<Job> {
    const found = await this.find(id)
    if (!found) throw await this.missing(id, 'only scheduled or queued jobs can change priority')
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
  subscribe(listener: (ids: string[]) => void): () => void {
    this.listeners.add(listener)
    void this.listenToLanes()
    return () => this.listeners.delete(listener)
  }

  /**
   * Resolves once the first connection is made (or has had its time): a
   * request that comes in while it is still being made waits for it rather
   * than being told Redis is away.
   */
  firstConnection(): Promise<void> {
    return (this.connected ??= new Promise<void>((resolve) => {
      if (this.redis.status === 'ready') return resolve()
      const timer = setTimeout(resolve, CONNECT_TIMEOUT_MS)
      this.redis.once('ready', () => (clearTimeout(timer), resolve()))
    }))
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

  /** The lanes there are now; with Redis away, once it is back (lanes made later are listened to as they come, by queue()). */
  private async listenToLanes(): Promise<void> {
    try {
      for (const lane of await this.lanes()) this.listen(lane)
    } catch {
      this.redis.once('ready', () => void this.listenToLanes())
    }
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

  private async find(id: string): Promise<{ bull: Bull; job: Job; lane: string; state: JobState | 'unknown' } | null> {
    for (const lane of await this.lanes()) {
      const queue = this.queue(lane)
      const bull = (await queue.getJob(id)) as Bull | undefined
      if (!bull) continue
      const [state, cancelling] = await Promise.all([bull.getState(), this.redis.sismember(KEYS.cancelling, id)])
      const retryAt = await this.retryAt(lane, bull, state)
      return { bull, job: fromBullJob(bull, state, cancelling === 1 && state === 'active', retryAt), lane, state }
    }
    return null
  }

  /** Not in any queue: kept as ended (and so in the wrong state for what was asked), or not there at all. */
  private async missing(id: string, rule: string): Promise<ApiError> {
    const kept = await this.kept(id)
    return kept ? new ApiError('wrong_state', `Job ${id} is already ${kept.status}; ${rule}`) : notFound(id)
  }

  /**
   * When a retry waiting out its backoff is due. BullMQ keeps a job's
   * timestamp as its creation time and its delay as the last backoff; only
   * the delayed set's score says when the wait ends.
   */
  private async retryAt(lane: string, bull: Bull, state: JobState | 'unknown'): Promise<number | undefined> {
    if (state !== 'delayed' || bull.attemptsMade === 0) return undefined
    const score = await this.redis.zscore(this.queue(lane).toKey('delayed'), bull.id!)
    return score === null ? undefined : Math.floor(Number(score) / DELAYED_SCORE_SCALE)
  }

  private async read(located: readonly Located[], cancelling: ReadonlySet<string>): Promise<Job[]> {
    return this.readAs(located, (bull, state, retryAt) => fromBullJob(bull, state, cancelling.has(bull.id!) && state === 'active', retryAt), jobOfRecord)
  }

  private async readAs<T>(
    located: readonly Located[],
    fromBull: (bull: Bull, state: JobState | 'unknown', retryAt: number | undefined) => T,
    fromKept: (record: JobRecord) => T,
  ): Promise<T[]> {
    const keptTexts = new Map<string, string | null>()
    for (const status of ENDED_STATUSES) {
      const ids = located.flatMap((l) => ('kept' in l && l.kept === status ? [l.id] : []))
      if (ids.length === 0) continue
      const texts = await this.redis.hmget(KEYS.ended[status], ...ids)
      ids.forEach((id, i) => keptTexts.set(id, texts[i] ?? null))
    }
    const read = await Promise.all(
      located.map(async (at): Promise<T | null> => {
        if ('kept' in at) {
          const text = keptTexts.get(at.id)
          return text ? fromKept(JSON.parse(text) as JobRecord) : null
        }
        const bull = (await this.queue(at.lane).getJob(at.id)) as Bull | undefined
        if (!bull) return null
        const state = await bull.getState()
        return fromBull(bull, state, await this.retryAt(at.lane, bull, state))
      }),
    )
    return read.filter((item): item is Awaited<T> => item !== null)
  }
}

/** BullMQ scores a delayed job by its due time in milliseconds times 4096 (the low bits order jobs due together). */
const DELAYED_SCORE_SCALE = 4096

function notFound(id: string): ApiError {
  return new ApiError('not_found', `No job with id ${id}`)
}
