import { splitOutputMarker } from '../common/output-markers'
import type { Launcher, WorkerProcess } from '../common/launcher'
import { signalProcessGroup } from '../common/process-group'
import { ProcessHold } from '../common/process-hold'
import { readProcessUsage } from '../common/process-usage'
import type { EngineToWorker, WorkerToEngine } from '../common/protocol'

const OUTPUT_TAIL_LINES = 20

export interface WorkerPoolOptions {
  /** An idle worker exits after this long without work. */
  idleMs: number
  /** A busy worker silent for this long is considered hung. */
  stallMs: number
  env: Record<string, string>
  /** When a worker is replaced after a job, as the settings say now (see Settings.workerMaxJobs, workerMaxRssMb). */
  recycling: () => { maxJobs: number | null; maxRssMb: number | null }
}

export interface WorkerPoolEvents {
  onMessage(worker: PooledWorker, message: WorkerToEngine): void
  /** A line the worker printed; `jobId` when it came from that job's child processes (see output-markers). */
  onOutput(worker: PooledWorker, line: string, jobId: string | undefined): void
  onExit(worker: PooledWorker, code: number | null, signal: string | null): void
  onStall(worker: PooledWorker): void
}

/** One live worker process and what the pool knows of it. */
export class PooledWorker {
  busy = false
  exited = false
  lastSeen: number
  /** Process groups its current job started (see JobContext.ownProcessGroup). */
  readonly groups = new Set<number>()
  /** Jobs handed to it so far, for recycling. */
  assigned = 0
  /** Started for one job with a memory limit (its V8 heap's too), and retired after it. */
  memoryLimitMb: number | null = null
  /** The last lines it printed, for a crash report. */
  readonly outputTail: string[] = []
  /** V8 said it ran out of heap: remembered on sight, as the native stack it prints after can push the line out of the tail. */
  heapExhausted = false
  idleTimer: NodeJS.Timeout | undefined
  /** Whose raw output each stream carries now, as the worker's markers say. */
  readonly outputOwner: Record<'stdout' | 'stderr', string | undefined> = { stdout: undefined, stderr: undefined }
  private ready = false
  private pending: EngineToWorker[] = []
  private hold: ProcessHold | undefined

  constructor(
    readonly name: string,
    readonly process: WorkerProcess,
    now: number,
  ) {
    this.lastSeen = now
  }

  /** Messages sent before the worker has loaded its kinds wait for it. */
  send(message: EngineToWorker): void {
    if (this.ready) this.process.send(message)
    else this.pending.push(message)
  }

  markReady(): void {
    this.ready = true
    for (const message of this.pending) this.process.send(message)
    this.pending = []
  }

  remember(line: string): void {
    if (/heap out of memory/i.test(line)) this.heapExhausted = true
    this.outputTail.push(line)
    if (this.outputTail.length > OUTPUT_TAIL_LINES) this.outputTail.shift()
  }

  /** Stopped with SIGSTOP (quiet hours): silent, and not hung. */
  get held(): boolean {
    return this.hold !== undefined
  }

  suspend(): void {
    if (this.hold || this.exited || this.process.pid === undefined) return
    this.hold = ProcessHold.stop(this.process.pid, this.groups)
  }

  resume(now: number): void {
    this.hold?.release()
    this.hold = undefined
    // Its silence was ours: the stall clock starts again.
    this.lastSeen = now
  }

  kill(): void {
    this.hold?.dismiss()
    this.hold = undefined
    // A mistaken hand-over must not become kill(-1), or the host's own group.
    for (const pid of this.groups) if (pid > 1 && pid !== process.pid) signalProcessGroup(pid, 'SIGKILL')
    this.process.kill()
  }
}

/**
 * Worker processes, started when first needed, reused across jobs, retired
 * after an idle period, replaced when they die. It knows nothing of jobs:
 * the scheduler decides what a worker runs and how many may be busy.
 */
export class WorkerPool {
  private readonly workers = new Set<PooledWorker>()
  private readonly idle: PooledWorker[] = []
  private readonly stallTimer: NodeJS.Timeout
  private serial = 0

  constructor(
    private readonly launcher: Launcher,
    private readonly options: WorkerPoolOptions,
    private readonly events: WorkerPoolEvents,
    private readonly now: () => number,
  ) {
    this.stallTimer = setInterval(() => this.checkStalls(), Math.min(1000, options.stallMs)).unref()
  }

  /**
   * An idle worker, or a new one; with a memory limit always a new one of its
   * own, whose V8 heap is limited too, so the jobs without one keep sharing.
   * The caller must `release` or `kill` it.
   */
  acquire(memoryLimitMb: number | null = null): PooledWorker {
    const worker = memoryLimitMb === null ? (this.idle.pop() ?? this.spawn()) : this.spawn(memoryLimitMb)
    clearTimeout(worker.idleTimer)
    worker.busy = true
    worker.lastSeen = this.now()
    return worker
  }

  /** The idle workers the next `count` calls to acquire() will hand out, in that order (fewer if new ones must start). */
  nextIdle(count: number): PooledWorker[] {
    return this.idle.slice(Math.max(0, this.idle.length - count)).reverse()
  }

  /** Jobs it may still be handed before it is replaced. */
  jobsLeft(worker: PooledWorker | undefined): number {
    if (worker?.memoryLimitMb) return Math.max(0, 1 - worker.assigned)
    const { maxJobs } = this.options.recycling()
    return maxJobs === null ? Infinity : Math.max(0, maxJobs - (worker?.assigned ?? 0))
  }

  /** Its jobs are done: back to the idle list, or replaced when it has done its share or grown too big. */
  release(worker: PooledWorker): void {
    if (!this.workers.has(worker)) return
    if (this.worn(worker)) {
      worker.busy = false
      worker.groups.clear()
      this.retire(worker)
      return
    }
    worker.busy = false
    worker.groups.clear()
    this.idle.push(worker)
    worker.idleTimer = setTimeout(() => this.retire(worker), this.options.idleMs).unref()
  }

  /** Starts workers until `count` are idle (or starting), so the next jobs need not wait for one. */
  warm(count: number): void {
    while (this.idle.length < count) this.release(this.spawn())
  }

  /** Retires idle workers beyond `keep`, e.g. after concurrency was lowered. */
  trimIdle(keep: number): void {
    while (this.idle.length > Math.max(0, keep)) this.retire(this.idle[0]!)
  }

  stats(): { busy: number; idle: number } {
    return { busy: this.workers.size - this.idle.length, idle: this.idle.length }
  }

  /** Asks idle workers to exit and kills busy ones. */
  close(): void {
    clearInterval(this.stallTimer)
    for (const worker of [...this.workers]) {
      if (worker.busy) worker.kill()
      else this.retire(worker)
    }
  }

  private retire(worker: PooledWorker): void {
    clearTimeout(worker.idleTimer)
    const at = this.idle.indexOf(worker)
    if (at >= 0) this.idle.splice(at, 1)
    worker.send({ type: 'exit' })
    // If it ignores the polite request it is killed; exit() ends the process either way.
    setTimeout(() => {
      if (!worker.exited) worker.kill()
    }, 2000).unref()
  }

  /** A leaky kind cannot grow a worker forever: it goes after so many jobs, or once it holds too much memory while idle. */
  private worn(worker: PooledWorker): boolean {
    if (this.jobsLeft(worker) === 0) return true
    const { maxRssMb } = this.options.recycling()
    if (maxRssMb === null || worker.process.pid === undefined) return false
    const rss = readProcessUsage(worker.process.pid)?.rssBytes
    return rss !== undefined && rss > maxRssMb * 1024 * 1024
  }

  private spawn(memoryLimitMb: number | null = null): PooledWorker {
    const name = `offload-worker-${++this.serial}`
    const execArgv = memoryLimitMb === null ? undefined : [`--max-old-space-size=${memoryLimitMb}`]
    const proc = this.launcher.launch({ name, env: this.options.env, execArgv })
    const worker = new PooledWorker(name, proc, this.now())
    worker.memoryLimitMb = memoryLimitMb
    this.workers.add(worker)
    proc.onMessage((message) => {
      worker.lastSeen = this.now()
      if (message.type === 'ready') worker.markReady()
      this.events.onMessage(worker, message)
    })
    proc.onOutput((line, stream) => {
      const { text, marker } = splitOutputMarker(line)
      if (text !== undefined) {
        worker.remember(text)
        this.events.onOutput(worker, text, worker.outputOwner[stream])
      }
      if (marker) worker.outputOwner[stream] = marker.edge === 'begin' ? marker.jobId : undefined
    })
    proc.onExit((code, signal) => {
      worker.exited = true
      clearTimeout(worker.idleTimer)
      this.workers.delete(worker)
      const at = this.idle.indexOf(worker)
      if (at >= 0) this.idle.splice(at, 1)
      // Grandchildren that outlived it go too.
      worker.kill()
      this.events.onExit(worker, code, signal)
    })
    return worker
  }

  private checkStalls(): void {
    const now = this.now()
    for (const worker of this.workers) {
      if (worker.busy && !worker.held && now - worker.lastSeen > this.options.stallMs) {
        worker.lastSeen = now
        this.events.onStall(worker)
      }
    }
  }
}
