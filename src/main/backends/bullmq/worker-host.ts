import { hostname } from 'node:os'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { UnrecoverableError, WaitingError, Worker, type Job as BullJob, type MinimalJob } from 'bullmq'
import type { Redis } from 'ioredis'
import { ulid } from 'ulid'
import type { WorkerHost } from '../../../shared/backend'
import { asApiError } from '../../../shared/errors'
import type { Job, JobError } from '../../../shared/job'
import type { Launcher } from '../../common/launcher'
import { NOT_RETRYABLE } from '../../engine/engine'
import { openHost, type Host, type HostTuning } from '../../engine/host'
import type { MachineProbes } from '../../engine/admission'
import { backoffDelay, queueName, type QueuedData } from './job-shape'
import { KEYS, WORKER_BEAT_MS } from './redis-keys'
import { connectRedis, type RedisTarget } from './redis-url'

type Bull = BullJob<QueuedData>

export interface WorkerHostOptions {
  target: RedisTarget
  /** The user's data folder: its kinds (and their state) are the ones this host runs. */
  dataDir: string
  launcher: Launcher
  concurrency: number
  /** Only these lanes' queues; null: every lane the queue knows, new ones as they appear. */
  lanes: readonly string[] | null
  /** A job's lock: a host silent this long (killed, cut off) loses its jobs to the others. */
  leaseMs: number
  machine?: string
  /** Tuning for the embedded engine that runs the jobs (tests make it fast). */
  engine?: HostTuning
  /** Free memory and load as admission reads them (default: this machine's). */
  probes?: MachineProbes
  /** better-sqlite3 built for the runtime (the desktop app's Electron). */
  nativeBinding?: string
}

/** How long a job stays a host's without a word from it, unless told otherwise. */
export const DEFAULT_LEASE_MS = 15_000

/** How long closing waits for running jobs to be handed back, past the grace. */
const HAND_BACK_MS = 5000

const FINISHED = new Set(['succeeded', 'failed', 'cancelled'])

/**
 * A machine working from a shared BullMQ queue. BullMQ hands out the jobs
 * (locks, stalled-job recovery, retries with backoff); each job runs in an
 * embedded Offload engine on a scratch data folder, so it gets what a job
 * gets locally: its own worker process, the timeout, cancel that kills its
 * process tree, memory limits, progress and logs. Durability lives in Redis:
 * the scratch folder only holds the attempts running now and is gone with
 * the host.
 */
export class RedisWorkerHost {
  readonly id = ulid()
  readonly machine: string
  private readonly workers = new Map<string, Worker>()
  /** BullMQ id → the embedded engine's id for the attempt running now. */
  private readonly running = new Map<string, string>()
  private readonly waiters = new Map<string, (job: Job) => void>()
  private readonly redis: Redis
  private readonly subscriber: Redis
  private readonly laneConnections: Redis[] = []
  private beat: NodeJS.Timeout | undefined
  private closing = false
  /** Resolves when the host hands its running jobs back (closing, past the grace). */
  private readonly handingBack: Promise<'hand back'>
  private handBack: () => void = () => undefined

  private constructor(
    private readonly options: WorkerHostOptions,
    private readonly executor: Host,
    private readonly runDir: string,
  ) {
    this.machine = options.machine ?? hostname()
    this.redis = connectRedis(options.target)
    this.subscriber = connectRedis(options.target)
    this.handingBack = new Promise((resolve) => (this.handBack = () => resolve('hand back')))
  }

  static async start(options: WorkerHostOptions): Promise<RedisWorkerHost> {
    const runDir = mkdtempSync(join(options.dataDir, 'worker-run-'))
    const executor = await openHost({
      dataDir: runDir,
      kindsFrom: options.dataDir,
      launcher: options.launcher,
      // An attempt's end is heard through the engine's events: sent at once, not a few times a second, it is handed back sooner.
      engine: { eventMs: 2, ...options.engine, concurrency: options.concurrency },
      ...(options.probes ? { machine: options.probes } : {}),
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    })
    const host = new RedisWorkerHost(options, executor, runDir)
    await host.begin()
    return host
  }

  get kinds(): Host['kinds'] {
    return this.executor.kinds
  }

  /** Jobs running here now. */
  get busy(): number {
    return this.running.size
  }

  /**
   * Stops taking jobs; those running get `graceMs` to finish, and the rest
   * go back to their queues at once for another host (their attempt
   * counted), rather than waiting out their lease.
   */
  async close(graceMs = 0): Promise<void> {
    if (this.closing) return
    this.closing = true
    clearInterval(this.beat)
    const handBack = setTimeout(this.handBack, graceMs)
    // With Redis away a hand-back would wait for it: past HAND_BACK_MS those jobs are left to their lease.
    let giveUp: NodeJS.Timeout | undefined
    const closed = Promise.allSettled([...this.workers.values()].map((w) => w.close()))
    await Promise.race([closed, new Promise((resolve) => (giveUp = setTimeout(resolve, graceMs + HAND_BACK_MS)))])
    clearTimeout(handBack)
    clearTimeout(giveUp)
    await this.executor.close(0)
    await this.redis.hdel(KEYS.workers, this.id).catch(() => undefined)
    for (const connection of [this.redis, this.subscriber, ...this.laneConnections]) connection.disconnect()
    rmSync(this.runDir, { recursive: true, force: true })
  }

  private async begin(): Promise<void> {
    this.executor.engine.subscribe((event) => {
      if (event.type !== 'jobs') return
      for (const job of event.jobs) this.localChanged(job)
    })
    this.subscriber.on('message', (_channel, id: string) => this.stop(id))
    await this.subscriber.subscribe(KEYS.cancelChannel)
    await this.watchLanes()
    await this.sayAlive()
    this.beat = setInterval(() => {
      void this.sayAlive()
      if (this.options.lanes === null) void this.watchLanes()
    }, WORKER_BEAT_MS).unref()
  }

  private async watchLanes(): Promise<void> {
    const lanes = this.options.lanes ?? [...new Set(['default', ...(await this.redis.smembers(KEYS.lanes).catch(() => []))])]
    for (const lane of lanes) if (!this.workers.has(lane) && !this.closing) this.workers.set(lane, this.laneWorker(lane))
  }

  private laneWorker(lane: string): Worker {
    const lease = this.options.leaseMs
    const connection = connectRedis(this.options.target)
    this.laneConnections.push(connection)
    const worker = new Worker(queueName(lane), (job: Bull, token?: string) => this.run(job, token), {
      connection,
      name: this.machine,
      concurrency: this.options.concurrency,
      lockDuration: lease,
      stalledInterval: Math.max(500, Math.min(5000, Math.floor(lease / 4))),
      // A job whose host died is run again (the attempt counts); one that kills every host it lands on ends failed.
      maxStalledCount: 5,
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, _error?: Error, job?: MinimalJob<QueuedData>) => {
          const backoff = job?.opts.backoff
          const base = typeof backoff === 'object' ? (backoff.delay ?? 1000) : 1000
          return backoffDelay(attemptsMade, base, job?.data.backoffCapMs ?? 300_000, Math.random)
        },
      },
    })
    worker.on('error', () => undefined)
    return worker
  }

  private async sayAlive(): Promise<void> {
    const me: WorkerHost = {
      id: this.id,
      machine: this.machine,
      pid: process.pid,
      lanes: [...this.workers.keys()].sort(),
      concurrency: this.options.concurrency,
      running: this.running.size,
      seenAt: new Date().toISOString(),
    }
    await this.redis.hset(KEYS.workers, this.id, JSON.stringify(me)).catch(() => undefined)
  }

  /** One attempt: into the embedded engine, and its end back to BullMQ. */
  private async run(bull: Bull, token: string | undefined): Promise<unknown> {
    const id = bull.id!
    if ((await this.redis.sismember(KEYS.cancelling, id)) === 1) return this.end(bull, { cancelled: true, error: null, summary: null, usage: null })
    let local: Job
    try {
      local = this.executor.api.createJob({
        kind: bull.data.kind,
        params: bull.data.params as Record<string, unknown>,
        name: bull.data.name,
        maxAttempts: 1,
        ...(bull.data.timeoutMs === null ? {} : { timeoutMs: bull.data.timeoutMs }),
        ...(bull.data.maxMemoryMb === null ? {} : { maxMemoryMb: bull.data.maxMemoryMb }),
      })
    } catch (error) {
      const refused = asApiError(error)
      const code: JobError['code'] = refused.code === 'unknown_kind' ? 'unknown_kind' : 'invalid_params'
      return this.end(bull, { cancelled: false, error: { code, message: `On ${this.machine}: ${refused.message}` }, summary: null, usage: null })
    }
    this.running.set(id, local.id)
    let logged = 0
    const finished = new Promise<Job>((resolve) => this.waiters.set(local.id, resolve))
    const relay = setInterval(() => void this.relay(bull, local.id, logged).then((n) => (logged = n)), 500)
    try {
      const last = await Promise.race([finished, this.handingBack])
      if (last === 'hand back') {
        this.stop(id)
        await bull.moveToWait(token)
        throw new WaitingError()
      }
      await this.relay(bull, local.id, logged)
      return await this.end(bull, {
        cancelled: last.status === 'cancelled',
        error: last.status === 'failed' ? last.error : null,
        summary: last.summary,
        usage: last.usage,
        result: last.result,
      })
    } finally {
      clearInterval(relay)
      this.running.delete(id)
      this.waiters.delete(local.id)
      void this.executor.handlers.removeJobs({ ids: [local.id] }).catch(() => undefined)
    }
  }

  /** Progress as it is now, and the log lines written since the last call; how many have gone. */
  private async relay(bull: Bull, localId: string, sent: number): Promise<number> {
    try {
      // A cancel is published once: one sent while this host's subscriber was reconnecting is found here.
      if ((await this.redis.sismember(KEYS.cancelling, bull.id!)) === 1) this.stop(bull.id!)
      const job = this.executor.commands.getJob(localId)
      const lines = this.executor.commands.getJobLogs(localId).slice(sent)
      await bull.updateProgress(job.progress)
      for (const line of lines) await bull.log(`${line.at}\t${line.line}`)
      return sent + lines.length
    } catch {
      // Redis away for now (the lines go with the next relay), or the host closing under it.
      return sent
    }
  }

  private async end(
    bull: Bull,
    outcome: { cancelled: boolean; error: JobError | null; summary: string | null; usage: Job['usage']; result?: unknown },
  ): Promise<unknown> {
    const { result, ...kept } = outcome
    await bull.updateData({ ...bull.data, outcome: { ...kept, machine: this.machine } })
    if (outcome.cancelled) {
      await this.redis.multi().srem(KEYS.cancelling, bull.id!).sadd(KEYS.cancelledRuns, bull.id!).exec()
      throw new UnrecoverableError('Cancelled')
    }
    if (outcome.error) {
      throw NOT_RETRYABLE.has(outcome.error.code) ? new UnrecoverableError(outcome.error.message) : new Error(outcome.error.message)
    }
    return result ?? null
  }

  private localChanged(job: Job): void {
    if (FINISHED.has(job.status)) this.waiters.get(job.id)?.(job)
  }

  /** A cancel from any client: if the job runs here, its process tree goes now. */
  private stop(id: string): void {
    const local = this.running.get(id)
    if (!local) return
    try {
      this.executor.commands.cancelJob(local)
    } catch {
      // It finished meanwhile: its end is already on its way.
    }
  }
}
