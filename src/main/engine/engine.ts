import {
  MAX_CONCURRENCY,
  type Job,
  type JobError,
  type JobUsage,
  type LogLine,
  THROUGHPUT_BUCKETS,
  THROUGHPUT_BUCKET_SECONDS,
  type Settings,
  type Stats,
} from '../../shared/job'
import { Admission, MEMORY_READING_MS, type AdmissionVerdict, type MachineProbes } from './admission'
import { JobEvents, type EventListener } from './job-events'
import type { Ending } from './ending'
import type { LanePolicy } from '../../shared/lane'
import type { AttemptUsage, ClaimedJob, ClaimRoom, JobStore, ProgressUpdate, StartUpdate } from './job-store'
import { WorkerInbox, type ActiveRun } from './worker-inbox'
import type { Launcher } from '../common/launcher'
import type { RunJob, WorkerToEngine, WorkerUsage } from '../common/protocol'
import { ResourceSampler, type AttemptMeter } from './resource-sampler'
import { QuietHours, type HoursVerdict } from './quiet-hours'
import { machineProbes } from './machine-probes'
import { loadSettings, saveSettings } from './settings'
import { asStorageError } from './storage-error'
import { StorageMonitor } from './storage-monitor'
import { ThroughputMeter } from './throughput'
import { WorkerPool, type PooledWorker } from './worker-pool'

export interface Clock {
  now(): number
}

export interface EngineOptions {
  /** Jobs running at once; defaults to the saved setting, else the number of cores. */
  concurrency: number
  /** After an abort (cancel, timeout), how long a job has to stop before its worker is killed. */
  killGraceMs: number
  idleWorkerMs: number
  stallMs: number
  /** How often coalesced progress and log lines are written. */
  flushMs: number
  /** How often batched events go to listeners. */
  eventMs: number
  /** A worker is sent short jobs ahead, up to about this much work waiting in its inbox. */
  pipelineWindowMs: number
  pipelineMaxDepth: number
  /** While the database refuses writes (disk full, read-only), how often to try again. */
  storageRetryMs: number
  /** Log lines kept per job while they can't be written (the store keeps no more than this either). */
  maxBufferedLogLines: number
  /** Environment for worker processes (kinds folder, scratch folder). */
  workerEnv: Record<string, string>
  /** This long before a scheduled job is due, a worker is started for it if none is idle. */
  warmUpMs: number
  /** How often the machine's load is looked at, to start fewer jobs while it is busy with other work. */
  loadCheckMs: number
  /** How often running attempts' memory and CPU are sampled (and memory limits checked). */
  sampleMs: number
  /** A running job's live figures go to listeners at most this often. */
  usageEventMs: number
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  concurrency: 0,
  killGraceMs: 5000,
  idleWorkerMs: 30_000,
  stallMs: 30_000,
  flushMs: 250,
  eventMs: 100,
  pipelineWindowMs: 20,
  pipelineMaxDepth: 64,
  storageRetryMs: 2000,
  maxBufferedLogLines: 2000,
  workerEnv: {},
  warmUpMs: 1500,
  loadCheckMs: 5000,
  sampleMs: 250,
  usageEventMs: 1000,
}

export interface EngineDeps {
  store: JobStore
  launcher: Launcher
  clock?: Clock
  /** Source of backoff jitter in [0, 1). */
  random?: () => number
  /** The lanes with settings of their own, as saved (the others are open and unlimited). */
  lanes?: ReadonlyMap<string, LanePolicy>
  /** Free memory and load, as admission reads them; default: this machine's. */
  machine?: MachineProbes
  /** Kinds whose jobs are I/O-bound (see JobKind.bound); the others are CPU-bound. */
  ioKinds?: readonly string[]
  /** Kinds with a memory limit of their own, in MB (a job's maxMemoryMb wins). */
  kindMemoryLimits?: ReadonlyMap<string, number>
}

/** What a lane's jobs take now: jobs on workers (begun or waiting in an inbox) and their slots. */
export interface LaneUse {
  running: number
  slots: number
}

type Outcome = ({ ok: true; resultJson: string; summary: string | null } | { ok: false; error: JobError }) & { usage?: WorkerUsage | undefined }

/** What one commit writes, taken from the buffers so that a failed commit can put it back. */
interface Batch {
  outcomes: { run: ActiveRun; outcome: Outcome }[]
  logs: Map<string, string[]>
  progress: Map<string, ProgressUpdate>
  starts: Map<string, StartUpdate>
}

/** Jobs made due per commit: more wait a turn, so a thousand at once never block the loop. */
const PROMOTE_BATCH = 500
const MAX_WAKE_MS = 60_000

// Another try cannot help: the params, the kind, a program not installed. (An http_error may be a 503 that passes.)
export const NOT_RETRYABLE: ReadonlySet<JobError['code']> = new Set(['invalid_params', 'unknown_kind', 'cancelled', 'missing_tool'])
export const SETTING_PAUSED = 'paused'

/**
 * The scheduler: takes jobs from the store by priority, runs them on the
 * worker pool, and writes every outcome back. Knows nothing of Electron or
 * HTTP; transports call its methods and subscribe to its events.
 */
export class Engine {
  private readonly options: EngineOptions
  private readonly store: JobStore
  private readonly clock: Clock
  private readonly random: () => number
  private readonly pool: WorkerPool
  private readonly events: JobEvents
  private readonly runs = new Map<string, ActiveRun>()
  private readonly inboxes = new Map<PooledWorker, WorkerInbox>()
  private readonly lanePolicies: Map<string, LanePolicy>
  private readonly ioKinds: readonly string[]
  private readonly kindMemoryLimits: ReadonlyMap<string, number>
  private readonly sampler: ResourceSampler<ActiveRun>
  /** When each running job's live figures last went to listeners. */
  private readonly usageSentAt = new WeakMap<ActiveRun, number>()
  private pendingProgress = new Map<string, ProgressUpdate>()
  private pendingLogs = new Map<string, string[]>()
  /** Starts reported by workers and not yet written; one whose outcome comes in the same turn is written with it. */
  private pendingStarts = new Map<string, StartUpdate>()
  private readonly storage: StorageMonitor
  private flushTimer: NodeJS.Timeout | undefined
  private wakeTimer: NodeJS.Timeout | undefined
  private memoryTimer: NodeJS.Timeout | undefined
  private loadTimer: NodeJS.Timeout | undefined
  private readonly admission: Admission
  /** The throttle as listeners last heard it. */
  private lastThrottle = ''
  private commitScheduled = false
  private outcomes: { run: ActiveRun; outcome: Outcome }[] = []
  private readonly finished: ThroughputMeter
  private readonly hours: QuietHours
  /** The hours as the last commit read them, to tell listeners when they change. */
  private lastHours: string | undefined
  private current: Settings
  private cap: number | null = null
  private suspended = false
  private paused: boolean
  /** Pause or settings changed while they could not be saved. */
  private stateUnsaved = false
  private closing = false
  private closed = false
  private drained: (() => void) | undefined

  constructor(deps: EngineDeps, options: Partial<EngineOptions> = {}) {
    this.options = { ...DEFAULT_ENGINE_OPTIONS, ...options }
    this.store = deps.store
    this.clock = deps.clock ?? { now: () => Date.now() }
    this.random = deps.random ?? Math.random
    this.lanePolicies = new Map(deps.lanes ?? [])
    this.ioKinds = [...(deps.ioKinds ?? [])]
    this.kindMemoryLimits = deps.kindMemoryLimits ?? new Map()
    this.sampler = new ResourceSampler(
      this.options.sampleMs,
      () => this.clock.now(),
      (run, meter) => this.onSample(run, meter),
    )
    this.current = loadSettings(this.store)
    if (this.options.concurrency) this.current.concurrency = clampConcurrency(this.options.concurrency)
    this.paused = this.store.getSetting(SETTING_PAUSED) === 'true'
    this.hours = new QuietHours(() => this.current)
    this.admission = new Admission(deps.machine ?? machineProbes(), () => this.current)
    this.finished = new ThroughputMeter(THROUGHPUT_BUCKET_SECONDS * 1000, THROUGHPUT_BUCKETS, this.clock.now())
    this.events = new JobEvents(
      this.options.eventMs,
      () => this.stats(),
      (job) => this.withLiveUsage(job),
    )
    this.storage = new StorageMonitor(() => this.clock.now(), this.options.storageRetryMs, {
      changed: (health) => this.events.storageChanged(health),
      retry: () => this.probeStorage(),
    })
    this.store.onStorageTrouble((error) => this.storage.failed(error))
    this.pool = new WorkerPool(
      deps.launcher,
      {
        idleMs: this.options.idleWorkerMs,
        stallMs: this.options.stallMs,
        env: this.options.workerEnv,
        recycling: () => ({ maxJobs: this.current.workerMaxJobs, maxRssMb: this.current.workerMaxRssMb }),
      },
      {
        onMessage: (worker, message) => this.onWorkerMessage(worker, message),
        // Raw output of a job's child processes, which the worker brackets with the job's id; the rest is only kept for crash reports.
        onOutput: (_worker, line, jobId) => {
          if (jobId) this.bufferLogs(jobId, [line])
        },
        onExit: (worker, code, signal) => this.onWorkerExit(worker, code, signal),
        onStall: (worker) => this.onWorkerStall(worker),
      },
      () => this.clock.now(),
    )
  }

  /** Recovers from the last run (jobs it left running) and starts dispatching. */
  start(): void {
    const recovered = this.store.requeueInterrupted(this.clock.now())
    this.events.changedJobs(recovered)
    this.loadTimer = setInterval(() => this.checkLoad(), this.options.loadCheckMs).unref()
    this.scheduleCommit()
  }

  // ── What the commands tell the scheduler ─────────────────────────────

  /** New or requeued jobs: dispatch soon. */
  jobsAdded(jobs: readonly Job[]): void {
    const all = [...jobs, ...this.store.takeFollowed()]
    if (all.length > 0) this.events.changedJobs(all)
    else this.events.statsChanged()
    this.scheduleCommit()
  }

  /** Jobs changed by a command (none: only counts moved); what depends on them may have moved too. */
  jobsChanged(jobs: readonly Job[]): void {
    const followed = this.store.takeFollowed()
    const all = [...jobs, ...followed]
    if (all.length > 0) this.events.changedJobs(all)
    else this.events.statsChanged()
    if (followed.some((job) => job.status === 'queued' || job.status === 'scheduled')) this.scheduleCommit()
  }

  /** The job was cancelled: its attempt, if one is under way, is asked to stop. */
  stopRun(id: string): void {
    const run = this.runs.get(id)
    if (run) this.abortRun(run, { kind: 'cancelled' })
  }

  /** The job with its running attempt's figures so far, if it has one under way (the store keeps only ended attempts'). */
  withLiveUsage(job: Job): Job {
    const run = this.runs.get(job.id)
    const meter = run && this.sampler.meter(run)
    if (!meter || meter.rssBytes === null || job.status !== 'running') return job
    const usage: JobUsage = { cpuMs: meter.cpuMs, peakRssBytes: meter.peakRssBytes, rssBytes: meter.rssBytes, cpuPercent: meter.cpuPercent }
    return { ...job, usage }
  }

  /** An attempt of this job is on a worker (perhaps still stopping). */
  isRunning(id: string): boolean {
    return this.runs.has(id)
  }

  /** A job's log as written, followed by the lines held for the next write, numbered as they will be. */
  withHeldLogLines(id: string, written: LogLine[]): LogLine[] {
    const held = this.pendingLogs.get(id)
    if (!held?.length) return written
    const at = new Date(this.clock.now()).toISOString()
    const next = (written.at(-1)?.seq ?? 0) + 1
    const lines = [...written, ...held.map((line, i) => ({ seq: next + i, at, line: line.slice(0, this.store.limits.logLineLength) }))]
    return lines.slice(-this.store.limits.logLinesPerJob)
  }

  pause(): void {
    this.paused = true
    this.saveState()
    this.events.statsChanged()
  }

  resume(): void {
    this.paused = false
    this.saveState()
    this.events.statsChanged()
    this.scheduleCommit()
  }

  settings(): Settings {
    return { ...this.current }
  }

  /** Changes (checked at the boundary) take effect at once: more jobs start, or fewer start until enough running ones finish. */
  updateSettings(patch: { [K in keyof Settings]?: Settings[K] | undefined }): Settings {
    // A field given as undefined (structured clone can carry one) leaves the setting as it was.
    const given = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<Settings>
    this.current = { ...this.current, ...given }
    this.hours.invalidate()
    this.admission.settingsChanged()
    this.saveState()
    this.applyConcurrency()
    this.events.settingsChanged(this.settings())
    return this.settings()
  }

  /**
   * Pause and settings take effect at once; while the database refuses
   * writes, saving them waits for it to recover rather than refusing the user
   * (a pause is what someone with a full disk may want most).
   */
  private saveState(): void {
    try {
      this.store.transaction(() => {
        this.store.setSetting(SETTING_PAUSED, String(this.paused))
        saveSettings(this.store, this.current)
      })
      this.stateUnsaved = false
    } catch (error) {
      if (!asStorageError(error)) throw error
      this.stateUnsaved = true
    }
  }

  /**
   * A ceiling on concurrency from outside the user's settings (on battery,
   * say); null lifts it. Not saved.
   */
  limitConcurrency(cap: number | null): void {
    this.cap = cap === null ? null : clampConcurrency(cap)
    this.applyConcurrency()
  }

  /**
   * A lane's settings changed (already saved): a lower limit lets running
   * jobs finish; a pause also takes back its jobs still waiting in inboxes,
   * so nothing new of the lane starts.
   */
  setLanePolicy(name: string, policy: LanePolicy): void {
    if (policy.concurrency === null && !policy.paused) this.lanePolicies.delete(name)
    else this.lanePolicies.set(name, { ...policy })
    if (policy.paused) for (const run of this.runs.values()) if (run.job.lane === name && run.startedAt === undefined) this.recall(run)
    this.events.statsChanged()
    this.scheduleCommit()
  }

  /** Per lane, what is on the workers now. */
  laneUse(): Map<string, LaneUse> {
    const use = new Map<string, LaneUse>()
    for (const run of this.runs.values()) {
      const lane = use.get(run.job.lane) ?? { running: 0, slots: 0 }
      lane.running++
      lane.slots += this.slotsOf(run.job)
      use.set(run.job.lane, lane)
    }
    return use
  }

  /** A job's memory limit: its own, else its kind's, else none. */
  private memoryLimitOf(job: Pick<Job, 'kind' | 'maxMemoryMb'>): number | null {
    return job.maxMemoryMb ?? this.kindMemoryLimits.get(job.kind) ?? null
  }

  /**
   * A running attempt was measured: past its memory limit it is stopped at
   * once (memory runs out faster than a grace period), and its live figures
   * go to listeners about once a second.
   */
  private onSample(run: ActiveRun, meter: Readonly<AttemptMeter>): void {
    const limitMb = this.memoryLimitOf(run.job)
    if (limitMb !== null && !run.ending && meter.rssBytes !== null && meter.rssBytes > limitMb * 1024 * 1024) {
      run.ending = { kind: 'error', error: { code: 'out_of_memory', message: overLimit(limitMb) }, retryable: true }
      clearTimeout(run.timeoutTimer)
      run.worker.kill()
      return
    }
    const now = this.clock.now()
    if (now - (this.usageSentAt.get(run) ?? 0) < this.options.usageEventMs) return
    this.usageSentAt.set(run, now)
    const job = this.readJob(run.job.id)
    if (job) this.events.changedJobs([job])
  }

  /** A job as stored, or nothing while the database is in trouble (live figures can wait). */
  private readJob(id: string): Job | undefined {
    try {
      return this.store.get(id)
    } catch (error) {
      if (!asStorageError(error)) throw error
      return undefined
    }
  }

  /** The slots a job takes: what it asked for, within the global limit and its lane's (either may have been lowered since). */
  private slotsOf(job: Pick<Job, 'lane' | 'slots'>): number {
    return Math.min(job.slots, this.ceiling, this.lanePolicies.get(job.lane)?.concurrency ?? Infinity)
  }

  /** Holds dispatching without touching the user's pause (the machine is going to sleep). Not saved. */
  setSuspended(suspended: boolean): void {
    this.suspended = suspended
    if (!suspended) this.timeChanged()
  }

  /** The wall clock may have jumped (the machine woke, the time was set): active hours and due jobs are read again now, not at the next timer. */
  timeChanged(): void {
    this.hours.invalidate()
    this.scheduleCommit()
  }

  /** In the desktop app: someone is using the computer, so fewer jobs start (with adaptive concurrency on). */
  setUserActive(active: boolean): void {
    this.admission.setUserActive(active)
    this.throttleMoved()
  }

  private get throttle(): AdmissionVerdict {
    return this.admission.verdict(this.cap)
  }

  /** Slots jobs may take now: the user's setting, under the outside ceiling and the machine's; 0 while memory is short. */
  private get concurrency(): number {
    return this.throttle.limit
  }

  /** The same, memory aside: what a job's slots are counted within (a job running while memory is short still takes its slots). */
  private get ceiling(): number {
    return this.throttle.ceiling
  }

  /** Slots all jobs may take now: I/O-bound ones leave the cores mostly idle, so they may go beyond the concurrency. */
  private get slotLimit(): number {
    return this.concurrency * this.current.ioOvercommit
  }

  private isIo(job: Pick<Job, 'kind'>): boolean {
    return this.ioKinds.includes(job.kind)
  }

  private applyConcurrency(): void {
    this.lastThrottle = JSON.stringify(this.throttle)
    this.pool.trimIdle(this.slotLimit - this.busyWorkers())
    this.events.statsChanged()
    this.scheduleCommit()
  }

  /** The throttle may have changed: if it did, what is idle or waiting follows it and listeners hear of it. */
  private throttleMoved(): void {
    if (JSON.stringify(this.throttle) !== this.lastThrottle) this.applyConcurrency()
  }

  private checkLoad(): void {
    if (this.closing) return
    let own = 0
    for (const run of this.runs.values()) if (run.startedAt !== undefined && run.heldAt === undefined) own += this.slotsOf(run.job)
    this.admission.checkLoad(this.clock.now(), own, Math.min(this.current.concurrency, this.cap ?? Infinity))
    this.throttleMoved()
  }

  stats(): Stats {
    const { busy, idle } = this.pool.stats()
    return {
      counts: this.store.counts(),
      workers: { busy, idle, max: this.ceiling },
      paused: this.paused,
      finished: this.finished.snapshot(this.clock.now()),
      storage: this.storage.health(),
      hours: { ...this.hours.at(this.clock.now()).state, held: [...this.runs.values()].filter((run) => run.heldAt !== undefined).length },
      throttle: { limit: this.throttle.limit, reason: this.throttle.reason },
    }
  }

  subscribe(listener: EventListener): () => void {
    return this.events.subscribe(listener)
  }

  /**
   * Stops dispatching, lets running jobs finish for up to `graceMs`, then
   * stops the rest and puts them back in the queue without counting the
   * attempt. Resolves when every worker is gone and every write is done.
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.closing) return
    this.closing = true
    clearTimeout(this.wakeTimer)
    clearTimeout(this.memoryTimer)
    clearInterval(this.loadTimer)
    for (const run of this.runs.values()) {
      // Held by quiet hours, it would not finish in the grace: back to the queue, the attempt not counted.
      if (!run.worker.held) continue
      run.ending ??= { kind: 'requeue' }
      run.worker.kill()
    }
    if (this.runs.size > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve))
      const grace = setTimeout(() => {
        for (const run of this.runs.values()) {
          run.ending ??= { kind: 'requeue' }
          run.worker.kill()
        }
      }, graceMs)
      await drained
      clearTimeout(grace)
    }
    for (const inbox of this.inboxes.values()) clearTimeout(inbox.recallTimer)
    this.pool.close()
    this.sampler.stop()
    this.commit(true)
    this.storage.close()
    this.closed = true
    this.events.flush()
    this.events.close()
  }

  // ── Dispatch: one transaction per turn of the event loop ─────────────

  /**
   * Everything that happened since the last commit (attempts that ended,
   * starts, and progress and log lines when due) is written in one
   * transaction, which also claims jobs for the free slots. Outcomes become
   * visible, as events, only once they are durable; workers hear of claims
   * only then too. If the database refuses the write, all of it is kept for
   * the next try and nothing new is claimed until a write succeeds.
   */
  private scheduleCommit(): void {
    if (this.commitScheduled) return
    this.commitScheduled = true
    setImmediate(() => this.commit(false))
  }

  private commit(flushAll: boolean): void {
    this.commitScheduled = false
    // The owner closes the database right after shutdown; nothing may write after that.
    if (this.closed) return
    if (flushAll) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    // In trouble, what is held waits for the probe (a locked database would block every try for its busy timeout).
    if (!this.storage.ok && !this.closing) return
    const now = this.clock.now()
    const batch = this.takeBatch(flushAll)
    const hours = this.hours.at(now)
    const dispatch = !this.closing && !this.paused && !this.suspended && this.storage.ok && !hours.closed && !this.memoryHeld(now)
    let written: { changed: Job[]; ended: Job[]; due: Job[]; fresh: ClaimedJob[][]; topped: [WorkerInbox, ClaimedJob[]][] }
    try {
      written = this.store.transaction(() => {
        const changed = this.writeBatch(batch, now)
        const ended: Job[] = []
        for (const { run, outcome } of batch.outcomes) {
          const job = this.writeOutcome(run, outcome, now)
          if (job) ended.push(job)
        }
        // Even while paused: a job whose time has come shows as queued (a retry due at once, too, before the claim below).
        const due = this.closing ? [] : this.store.promoteDue(now, PROMOTE_BATCH)
        const { fresh, topped } = dispatch ? this.claimForFreeSlots(now, hours.closedKinds) : { fresh: [], topped: [] }
        return { changed, ended, due, fresh, topped }
      })
    } catch (error) {
      if (!asStorageError(error)) throw error
      this.restoreBatch(batch)
      if (this.closing && this.runs.size === 0) this.drained?.()
      return
    }
    for (const start of batch.starts.values()) {
      const run = this.runs.get(start.id)
      if (run?.attempt === start.attempt) run.startWritten = true
    }
    const started: ActiveRun[] = []
    for (const claimed of written.fresh) {
      // The same workers, in the same order, that claimForFreeSlots planned for (nothing ran in between).
      const worker = this.pool.acquire(this.memoryLimitOf(claimed[0]!.job))
      const inbox = this.inboxes.get(worker) ?? new WorkerInbox(worker)
      this.inboxes.set(worker, inbox)
      for (const job of claimed) started.push(this.attach(job, inbox))
    }
    for (const [inbox, claimed] of written.topped) for (const job of claimed) started.push(this.attach(job, inbox))
    if (dispatch) for (const inbox of this.inboxes.values()) if (inbox.runs.length > 0) this.armRecall(inbox)
    sendRuns(started)
    for (const job of written.ended) if (job.status === 'succeeded' || job.status === 'failed') this.finished.add(1, now)
    // Dependents the outcomes moved: those made queued were claimable in the same transaction.
    this.events.changedJobs([...written.changed, ...written.ended, ...this.store.takeFollowed(), ...written.due, ...started.map((r) => r.job)])
    if (batch.outcomes.length > 0 || written.due.length > 0) this.events.statsChanged()
    // A full batch of due jobs leaves more: the next turn takes them.
    if (!this.closing) this.applyHours(hours, now)
    if (written.due.length === PROMOTE_BATCH) this.scheduleCommit()
    else if (!this.closing) this.scheduleWake(now, hours)
    if (this.closing && this.runs.size === 0) this.drained?.()
  }

  /**
   * While the database is in trouble, a write that happens to fit proves
   * little (an update in place needs no new room): only a probe that needs
   * room, and gets it, ends the trouble. Then what was held is written and
   * dispatching resumes.
   */
  private probeStorage(): void {
    if (this.closed) return
    try {
      this.store.probe(this.clock.now())
    } catch (error) {
      if (!asStorageError(error)) throw error
      return
    }
    this.storage.succeeded()
    if (this.stateUnsaved) this.saveState()
    this.commit(true)
  }

  /**
   * The engine wakes when the next scheduled job is due (a delay, a retry's
   * backoff) or the active hours open or close, even if nothing else
   * happens; a moment before, it starts a worker if none is idle, so the job
   * begins on time rather than a worker's start-up later. The timer is
   * capped, so a wall clock that jumps (the machine slept, the time was set)
   * is noticed within a minute.
   */
  private scheduleWake(now: number, hours: HoursVerdict): void {
    clearTimeout(this.wakeTimer)
    let due: number | null
    let waiting: number
    try {
      due = this.store.nextDueAt()
      waiting = this.store.counts().queued
    } catch (error) {
      if (!asStorageError(error)) throw error
      return
    }
    if (due !== null && due <= now) {
      this.scheduleCommit()
      return
    }
    const ready = !this.paused && !this.suspended && this.capacity() > 0
    let next = Infinity
    for (const at of [due, hours.changesAt]) {
      if (at === null) continue
      const warmAt = at - this.options.warmUpMs
      // Only a due job needs a worker, or an opening hour with jobs waiting for it.
      const wanted = at === due ? !hours.closed : hours.closed && waiting > 0
      if (warmAt <= now && wanted && ready) this.pool.warm(1)
      next = Math.min(next, warmAt > now ? warmAt : at)
    }
    if (next === Infinity) return
    this.wakeTimer = setTimeout(() => this.scheduleCommit(), Math.max(0, Math.min(next - now, MAX_WAKE_MS))).unref()
  }

  /**
   * The active hours as they stand for what is on the workers: a job of a
   * quiet kind still waiting in an inbox goes back to the queue; with
   * "suspend", a worker running one is held (once nothing else waits in its
   * inbox) and let go when its hours open, its timeout stopped meanwhile.
   */
  private applyHours(hours: HoursVerdict, now: number): void {
    const key = JSON.stringify(hours.state)
    let changed = key !== this.lastHours
    this.lastHours = key
    const anyQuiet = hours.closed || hours.closedKinds.length > 0
    const quiet = (run: ActiveRun): boolean => !run.ending && (hours.closed || hours.closedKinds.includes(run.job.kind))
    const hold = this.current.quietRunning === 'suspend' && process.platform !== 'win32'
    for (const inbox of this.inboxes.values()) {
      if (!anyQuiet && !inbox.worker.held) continue
      for (const run of inbox.runs) if (run.startedAt === undefined && quiet(run)) this.recall(run)
      const holds = hold && inbox.runs.some((run) => run.startedAt !== undefined && quiet(run))
      if (holds && !inbox.worker.held) {
        // Jobs behind it are asked back first; a held worker could not answer.
        for (const run of inbox.runs) if (run.startedAt === undefined) this.recall(run)
        if (inbox.runs.some((run) => run.startedAt === undefined)) continue
        inbox.worker.suspend()
        for (const run of inbox.runs) {
          run.heldAt = now
          clearTimeout(run.timeoutTimer)
        }
        changed = true
      } else if (!holds && inbox.worker.held) {
        this.releaseInbox(inbox, now)
        changed = true
      }
    }
    if (changed) this.events.statsChanged()
  }

  private releaseInbox(inbox: WorkerInbox, now: number): void {
    inbox.worker.resume(now)
    for (const run of inbox.runs) {
      if (run.heldAt === undefined) continue
      if (run.timeoutAt !== undefined) {
        run.timeoutAt += now - run.heldAt
        this.armTimeout(run, now)
      }
      delete run.heldAt
    }
  }

  /**
   * Memory is short: nothing new starts (running jobs go on). Until it
   * frees, memory is read again every second, so dispatch resumes on its own.
   */
  private memoryHeld(now: number): boolean {
    const low = this.admission.memoryLow(now)
    this.throttleMoved()
    if (low) this.memoryTimer ??= setTimeout(() => this.memoryRecheck(), MEMORY_READING_MS).unref()
    return low
  }

  private memoryRecheck(): void {
    this.memoryTimer = undefined
    if (this.closing) return
    if (this.admission.memoryLow(this.clock.now())) this.memoryTimer = setTimeout(() => this.memoryRecheck(), MEMORY_READING_MS).unref()
    // Freed: the commit that follows dispatches.
    this.throttleMoved()
  }

  private busyWorkers(): number {
    let busy = 0
    for (const inbox of this.inboxes.values()) if (inbox.runs.length > 0) busy++
    return busy
  }

  /** Slots taken on the workers (`cpu`: by CPU-bound jobs only): each busy one counts what its widest job takes (those sent ahead take one). */
  private slotsInUse(cpu = false): number {
    let used = 0
    for (const inbox of this.inboxes.values()) {
      let widest = 0
      for (const run of inbox.runs) if (!cpu || !this.isIo(run.job)) widest = Math.max(widest, this.slotsOf(run.job))
      used += widest
    }
    return used
  }

  /** How many more jobs can be handed out now: free slots, plus room in the pipelines of busy workers. */
  private capacity(): number {
    const used = this.slotsInUse()
    let room = Math.max(0, this.slotLimit - used)
    // After concurrency was lowered, busy workers drain instead of being topped up.
    if (used <= this.slotLimit) {
      for (const inbox of this.inboxes.values()) {
        if (inbox.runs.length > 0 && !inbox.worker.held)
          room += Math.max(0, inbox.depth(this.options.pipelineWindowMs, this.options.pipelineMaxDepth) - inbox.runs.length)
      }
    }
    return room
  }

  /** What may be claimed now: `room` slots, inside each lane's limit, past paused and full lanes and quiet kinds. */
  private claimRoom(room: number, exceptKinds: readonly string[]): ClaimRoom {
    const use = this.laneUse()
    const laneRoom = new Map<string, number>()
    const closedLanes = new Set<string>()
    for (const [name, policy] of this.lanePolicies) {
      if (policy.paused) closedLanes.add(name)
      else if (policy.concurrency !== null) {
        const left = policy.concurrency - (use.get(name)?.slots ?? 0)
        if (left > 0) laneRoom.set(name, left)
        else closedLanes.add(name)
      }
    }
    return {
      room,
      laneRoom,
      closedLanes,
      exceptKinds,
      widest: (lane) => Math.min(this.ceiling, this.lanePolicies.get(lane)?.concurrency ?? Infinity),
      ioKinds: this.ioKinds,
    }
  }

  /**
   * Claims jobs for what is free: the most urgent that fit the free slots
   * for free workers, where they start at once, each with the jobs to send
   * it ahead if its jobs have been short, then more for the pipelines of busy
   * workers. Jobs sent ahead take one slot each and count towards their
   * lane's limit, not the global one (they wait; they do not run alongside).
   * Runs inside the commit transaction and changes nothing outside the
   * database: the claims go to workers once they are committed. `fresh`
   * holds one list per free worker, in the order acquire() will hand the
   * workers out.
   */
  private claimForFreeSlots(now: number, exceptKinds: readonly string[]): { fresh: ClaimedJob[][]; topped: [WorkerInbox, ClaimedJob[]][] } {
    const used = this.slotsInUse()
    const cpuUsed = this.slotsInUse(true)
    const room = this.claimRoom(this.slotLimit - used, exceptKinds)
    const heads = this.store.claim(room.room, now, { ...room, cpuRoom: this.concurrency - cpuUsed })
    // Sent ahead, a job waits behind one of its own bound: when its turn comes it takes that one's place, CPU for CPU.
    // A job with a memory limit runs alone on a worker of its own: never sent ahead to another's.
    const ahead = (behind: Pick<Job, 'kind'>): ClaimRoom => ({
      ...room,
      room: Infinity,
      singleSlot: true,
      bound: this.isIo(behind) ? 'io' : 'cpu',
      exceptKinds: [...exceptKinds, ...this.kindMemoryLimits.keys()],
    })
    const shared = heads.filter((head) => this.memoryLimitOf(head.job) === null)
    const idle = this.pool.nextIdle(shared.length)
    const fresh = heads.map((head) => {
      if (this.memoryLimitOf(head.job) !== null) return [head]
      const worker = idle[shared.indexOf(head)]
      const inbox = worker && this.inboxes.get(worker)
      const depth = inbox ? Math.min(inbox.depth(this.options.pipelineWindowMs, this.options.pipelineMaxDepth), this.pool.jobsLeft(worker)) - 1 : 0
      return [head, ...this.store.claim(depth, now, ahead(head.job))]
    })
    const topped: [WorkerInbox, ClaimedJob[]][] = []
    // After concurrency was lowered, busy workers drain instead of being topped up.
    if (used > this.slotLimit) return { fresh, topped }
    for (const inbox of this.inboxes.values()) {
      if (inbox.runs.length === 0 || inbox.worker.held) continue
      const head = inbox.head!.job
      if (!this.isIo(head) && cpuUsed > this.concurrency) continue
      const depth = Math.min(inbox.depth(this.options.pipelineWindowMs, this.options.pipelineMaxDepth) - inbox.runs.length, this.pool.jobsLeft(inbox.worker))
      const claimed = this.store.claim(depth, now, ahead(head))
      if (claimed.length > 0) topped.push([inbox, claimed])
    }
    return { fresh, topped }
  }

  /**
   * Pipelining bets that the head job is as short as the ones before it. If
   * it is still running after the pipeline window, the bet is off: the jobs
   * waiting behind it are recalled, so a job is never shown running for long
   * while it merely waits.
   */
  private armRecall(inbox: WorkerInbox): void {
    const head = inbox.head
    // Armed once per head: re-arming on every commit would put the recall off for as long as other workers keep busy.
    if (inbox.recallFor === head) return
    clearTimeout(inbox.recallTimer)
    inbox.recallFor = undefined
    if (!head || inbox.runs.length < 2) return
    inbox.recallFor = head
    inbox.recallTimer = setTimeout(() => {
      if (inbox.head !== head) return
      inbox.slowedBy(this.clock.now() - (head.startedAt ?? this.clock.now()))
      // No kill timer: a worker busy with a long synchronous head answers when it can, and must
      // answer before a recalled job may run elsewhere, or it could run twice.
      for (const run of inbox.runs.slice(1)) this.recall(run)
    }, this.options.pipelineWindowMs)
  }

  private attach({ job, attempt }: ClaimedJob, inbox: WorkerInbox): ActiveRun {
    const run: ActiveRun = { job, attempt, worker: inbox.worker }
    inbox.worker.assigned++
    inbox.runs.push(run)
    this.runs.set(job.id, run)
    return run
  }

  /** The worker began executing the job: its attempt counts and its timeout runs from now. */
  private markStarted(run: ActiveRun, now: number): void {
    if (run.startedAt !== undefined) return
    run.startedAt = now
    this.sampler.track(run, { pid: run.worker.process.pid, groups: run.worker.groups })
    this.pendingStarts.set(run.job.id, { id: run.job.id, attempt: run.attempt, at: now, workerPid: run.worker.process.pid })
    this.scheduleCommit()
    // Cancelled while it waited, and begun before the worker read the abort: it has the grace from now.
    if (run.ending && run.ending.kind !== 'requeue') this.armKill(run)
    const { timeoutMs } = run.job
    if (timeoutMs === null || run.ending) return
    run.timeoutAt = now + timeoutMs
    this.armTimeout(run, now)
  }

  private armTimeout(run: ActiveRun, now: number): void {
    const { timeoutMs } = run.job
    if (run.timeoutAt === undefined || timeoutMs === null) return
    run.timeoutTimer = setTimeout(
      () => this.abortRun(run, { kind: 'error', error: { code: 'timeout', message: `Timed out after ${formatMs(timeoutMs)}` }, retryable: true }),
      Math.max(0, run.timeoutAt - now),
    )
  }

  /**
   * Asks the job to stop; if it has not stopped after the grace period, its
   * worker and process groups are killed. A cancel overrides a recall still
   * under way.
   */
  private abortRun(run: ActiveRun, ending: Ending): void {
    if (run.ending && !run.recalled) return
    run.ending = ending
    clearTimeout(run.timeoutTimer)
    // A held worker hears nothing: it is let go to stop.
    const inbox = this.inboxes.get(run.worker)
    if (inbox && run.worker.held) this.releaseInbox(inbox, this.clock.now())
    run.worker.send({ type: 'abort', id: run.job.id })
    // One still waiting is taken out of the inbox when the worker can: killing the worker would take the job ahead of it.
    if (run.startedAt !== undefined) this.armKill(run)
  }

  private armKill(run: ActiveRun): void {
    run.killTimer ??= setTimeout(() => run.worker.kill(), this.options.killGraceMs)
  }

  /**
   * Takes a job back from the inbox of a worker busy with a slow one. No kill
   * timer: a worker busy with a long synchronous head answers when it can.
   * The worker answers 'recalled' if the job was still waiting, or has
   * already said 'started', in which case the job simply goes on.
   */
  private recall(run: ActiveRun): void {
    if (run.ending) return
    run.ending = { kind: 'requeue' }
    run.recalled = true
    run.worker.send({ type: 'recall', id: run.job.id })
  }

  private onWorkerMessage(worker: PooledWorker, message: WorkerToEngine): void {
    if (!('id' in message)) return
    const run = this.inboxes.get(worker)?.find(message.id)
    if (!run) return
    switch (message.type) {
      case 'started':
        if (run.recalled) {
          // The worker began it before the recall reached it: it runs here after all.
          run.recalled = false
          if (run.ending?.kind === 'requeue') delete run.ending
        }
        this.markStarted(run, this.clock.now())
        break
      case 'recalled':
        // It never ran here, so it is not part of this worker's share before recycling.
        worker.assigned--
        this.endRun(run, { ok: false, error: { code: 'interrupted', message: 'Recalled before it started' } })
        break
      case 'progress':
        if (!run.ending) this.bufferProgress({ id: run.job.id, attempt: run.attempt, fraction: message.fraction, message: message.message })
        break
      case 'log':
        this.bufferLogs(run.job.id, message.lines)
        break
      case 'process-group':
        worker.groups.add(message.pid)
        break
      case 'done':
        this.endRun(run, { ok: true, resultJson: message.resultJson, summary: message.summary, usage: message.usage })
        break
      case 'failed':
        this.endRun(run, { ok: false, error: message.error, usage: message.usage })
        break
    }
  }

  private onWorkerExit(worker: PooledWorker, code: number | null, signal: string | null): void {
    const inbox = this.inboxes.get(worker)
    this.inboxes.delete(worker)
    clearTimeout(inbox?.recallTimer)
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
    for (const [at, run] of (inbox?.runs ?? []).entries()) {
      // The head counts even if it never began: a worker that dies while starting must not get the same job forever.
      if (at === 0 || run.startedAt !== undefined) {
        const detail = { exitCode: code, signal, output: [...worker.outputTail] }
        const error: JobError =
          worker.heapExhausted && worker.memoryLimitMb !== null
            ? { code: 'out_of_memory', message: `${overLimit(worker.memoryLimitMb)} (its worker ran out of heap)`, detail }
            : { code: 'worker_crashed', message: `The worker ${how}`, detail }
        this.endRun(run, { ok: false, error })
        continue
      }
      // Only waiting in its inbox, never begun: back to the queue, attempt not counted.
      if (run.ending?.kind !== 'cancelled') run.ending = { kind: 'requeue' }
      this.endRun(run, { ok: false, error: { code: 'interrupted', message: 'Its worker exited before it started' } })
    }
    this.events.statsChanged()
    this.scheduleCommit()
  }

  private onWorkerStall(worker: PooledWorker): void {
    const run = this.inboxes.get(worker)?.head
    if (!run) return
    run.ending ??= {
      kind: 'error',
      error: { code: 'worker_crashed', message: `The worker stopped responding for ${formatMs(this.options.stallMs)} and was killed` },
      retryable: true,
    }
    worker.kill()
  }

  /** The single place an attempt ends: frees the slot now; the next commit writes the outcome. */
  private endRun(run: ActiveRun, outcome: Outcome): void {
    if (this.runs.get(run.job.id) !== run) return
    this.runs.delete(run.job.id)
    clearTimeout(run.timeoutTimer)
    clearTimeout(run.killTimer)
    run.usage = attemptUsage(this.sampler.untrack(run), outcome.usage)
    const inbox = this.inboxes.get(run.worker)
    if (inbox) {
      const wasHead = inbox.head === run
      inbox.remove(run, this.clock.now())
      if (wasHead) this.armRecall(inbox)
    }
    // A killed worker is already out of the pool; one that stopped when asked is reused.
    if (inbox && inbox.runs.length === 0 && !run.worker.exited) this.pool.release(run.worker)
    if (!this.closing) this.pool.trimIdle(this.slotLimit - this.busyWorkers())
    this.outcomes.push({ run, outcome })
    this.scheduleCommit()
  }

  /** Runs inside the commit transaction. */
  private writeOutcome(run: ActiveRun, outcome: Outcome, now: number): Job | undefined {
    const { id } = run.job
    const ending = run.ending
    if (ending?.kind === 'requeue') return this.store.requeueUnfinished(id, run.attempt, now)
    if (ending?.kind === 'cancelled') return undefined
    const [error, retryable] =
      ending?.kind === 'error' ? [ending.error, ending.retryable] : outcome.ok ? [undefined, false] : [outcome.error, !NOT_RETRYABLE.has(outcome.error.code)]
    const start = { startedAt: run.startedAt ?? null, written: run.startWritten === true, workerPid: run.worker.process.pid, usage: run.usage }
    if (!error)
      return this.store.markSucceeded(
        id,
        run.attempt,
        outcome.ok ? { json: outcome.resultJson, summary: outcome.summary } : { json: 'null' },
        now,
        start,
        run.job,
      )
    const job = this.store.markAttemptFailed(id, run.attempt, error, { retryable, now, jitter: this.random(), ...start })
    if (job) this.store.appendLogs(id, [`Attempt ${run.attempt} failed (${error.code}): ${error.message}`], now)
    return job
  }

  // ── Progress and logs: coalesced, written a few times a second ─────────

  private bufferProgress(update: ProgressUpdate): void {
    this.pendingProgress.set(update.id, update)
    this.scheduleFlush()
  }

  private bufferLogs(id: string, lines: readonly string[]): void {
    const buffered = this.pendingLogs.get(id)
    if (buffered) buffered.push(...lines)
    else this.pendingLogs.set(id, [...lines])
    // The store keeps only a job's newest lines, so neither need the buffer (which grows while the database is in trouble).
    const held = this.pendingLogs.get(id)!
    if (held.length > 2 * this.options.maxBufferedLogLines) held.splice(0, held.length - this.options.maxBufferedLogLines)
    this.scheduleFlush()
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.commit(true), this.options.flushMs)
  }

  /**
   * What this commit writes: every ended attempt and start, and the buffered
   * progress and log lines of all jobs (`all`) or only of those whose
   * attempts are ending, so that their last words land before their final
   * state.
   */
  private takeBatch(all: boolean): Batch {
    const outcomes = this.outcomes
    this.outcomes = []
    const starts = this.pendingStarts
    this.pendingStarts = new Map()
    if (all) {
      const batch = { outcomes, logs: this.pendingLogs, progress: this.pendingProgress, starts }
      this.pendingLogs = new Map()
      this.pendingProgress = new Map()
      return batch
    }
    const logs = new Map<string, string[]>()
    const progress = new Map<string, ProgressUpdate>()
    for (const { run } of outcomes) {
      const id = run.job.id
      const lines = this.pendingLogs.get(id)
      if (lines) logs.set(id, lines)
      const update = this.pendingProgress.get(id)
      if (update) progress.set(id, update)
      this.pendingLogs.delete(id)
      this.pendingProgress.delete(id)
    }
    return { outcomes, logs, progress, starts }
  }

  /** A commit that failed: its writes go back to the buffers, ahead of anything newer. */
  private restoreBatch(batch: Batch): void {
    this.outcomes.unshift(...batch.outcomes)
    for (const [id, start] of batch.starts) if (!this.pendingStarts.has(id)) this.pendingStarts.set(id, start)
    for (const [id, lines] of batch.logs) {
      const newer = this.pendingLogs.get(id) ?? []
      this.pendingLogs.set(id, [...lines, ...newer].slice(-this.options.maxBufferedLogLines))
    }
    for (const [id, update] of batch.progress) if (!this.pendingProgress.has(id)) this.pendingProgress.set(id, update)
  }

  /** Runs inside the commit transaction. Starts of attempts that end in this batch are written with their outcome. */
  private writeBatch(batch: Batch, now: number): Job[] {
    for (const { run } of batch.outcomes) batch.starts.delete(run.job.id)
    const changed = this.store.markStarted([...batch.starts.values()])
    for (const [id, lines] of batch.logs) this.store.appendLogs(id, lines, now)
    return [...changed, ...this.store.saveProgress([...batch.progress.values()], now)]
  }
}

/** Each worker's new jobs in one message: a no-op's inbox is refilled by dozens a commit, and every message is a write to its pipe. */
function sendRuns(runs: readonly ActiveRun[]): void {
  const byWorker = new Map<PooledWorker, RunJob[]>()
  for (const run of runs) {
    let jobs = byWorker.get(run.worker)
    if (!jobs) byWorker.set(run.worker, (jobs = []))
    jobs.push({ id: run.job.id, attempt: run.attempt, kind: run.job.kind, params: run.job.params })
  }
  for (const [worker, jobs] of byWorker) worker.send(jobs.length === 1 ? { type: 'run', job: jobs[0]! } : { type: 'runs', jobs })
}

/** A V8 heap limit ends the worker with this on its stderr; only a worker started with a limit counts it against the job. */
function overLimit(limitMb: number): string {
  return `Used more than ${limitMb} MB (its memory limit)`
}

/** What the attempt took: CPU as its worker measured it; peak memory as sampled, or at least what the worker held as it ended. */
function attemptUsage(meter: AttemptMeter | undefined, reported: WorkerUsage | undefined): AttemptUsage | undefined {
  const peak = Math.max(meter?.peakRssBytes ?? 0, reported?.rssBytes ?? 0)
  const cpuMs = reported?.cpuMs ?? meter?.cpuMs ?? null
  if (peak === 0 && cpuMs === null) return undefined
  return { cpuMs: cpuMs === null ? null : Math.round(cpuMs), peakRssBytes: peak === 0 ? null : peak }
}

function clampConcurrency(n: number): number {
  return Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(n)))
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`
}
