import type { Settings, Throttle, ThrottleReason } from '../../shared/job'

export interface MemoryReading {
  /** What programs can still get without swapping (on Linux MemAvailable, which counts reclaimable page cache). */
  freeBytes: number
  totalBytes: number
}

export interface LoadReading {
  /** The one-minute load average (0 where the system keeps none, as on Windows). */
  load: number
  cores: number
  /** The share of CPU time the hypervisor gave to other guests since the last reading, 0–1; null where unknown. */
  steal: number | null
}

/** How the engine sees the machine; tests give their own. */
export interface MachineProbes {
  memory(): MemoryReading
  load(): LoadReading
}

export type AdmissionSettings = Pick<Settings, 'concurrency' | 'minFreeMemoryMb' | 'adaptiveConcurrency'>

/** What the engine may start now, and, memory aside, what the ceilings allow (at least 1). */
export type AdmissionVerdict = Throttle & { ceiling: number }

const MB = 1024 * 1024
/** Dispatch may look many times a second; reading memory that often would tell nothing new. */
export const MEMORY_READING_MS = 1000
/** The kernel's load average is a moving average over this long. */
const LOAD_AVERAGE_MS = 60_000
/** Others' load below this share of the cores is idle; between it and all the cores the limit holds, so it does not flap. */
const IDLE_SHARE = 0.75
const STEAL_BUSY = 0.25
const STEAL_IDLE = 0.1

/** Below this much available memory no new job starts. */
export function memoryFloorBytes(minFreeMemoryMb: number | null, totalBytes: number): number {
  return minFreeMemoryMb === null ? Math.min(totalBytes * 0.1, 500 * MB) : minFreeMemoryMb * MB
}

/** Whether the machine is busy with other work than `own` (the load Offload's jobs make). */
export function loadVerdict(reading: LoadReading, own: number): 'busy' | 'idle' | 'steady' {
  const others = reading.load - own
  const steal = reading.steal ?? 0
  if (others > reading.cores || steal >= STEAL_BUSY) return 'busy'
  if (others < reading.cores * IDLE_SHARE && steal < STEAL_IDLE) return 'idle'
  return 'steady'
}

/** The lowest ceiling wins, and names the reason; on a tie the first named (battery, then the machine, then the user). */
export function throttleOf(input: {
  concurrency: number
  battery: number | null
  machine: number | null
  userActive: boolean
  memoryLow: boolean
}): AdmissionVerdict {
  const ceilings: [ThrottleReason, number | null][] = [
    ['battery', input.battery],
    ['machine_busy', input.machine],
    ['user_active', input.userActive ? Math.max(1, Math.floor(input.concurrency / 2)) : null],
  ]
  let limit = input.concurrency
  let reason: ThrottleReason | null = null
  for (const [why, cap] of ceilings) {
    if (cap !== null && cap < limit) {
      limit = cap
      reason = why
    }
  }
  if (input.memoryLow) return { limit: 0, reason: 'memory_low', ceiling: limit }
  return { limit, reason, ceiling: limit }
}

/**
 * Admission that respects the machine: no new job while memory is short,
 * and fewer while other work keeps the machine busy or the user is at it.
 * Time comes in as `now`, so what it decides depends on the readings alone.
 */
export class Admission {
  private memory: { at: number; low: boolean } | undefined
  /** The ceiling the machine's load has set; null: none. */
  private machine: number | null = null
  private userActive = false
  private ownAverage = 0
  private lastLoadCheck: number | undefined

  constructor(
    private readonly probes: MachineProbes,
    private readonly settings: () => AdmissionSettings,
  ) {}

  /** Reads the memory, unless it was read within the last second. */
  memoryLow(now: number): boolean {
    if (this.memory && now >= this.memory.at && now - this.memory.at < MEMORY_READING_MS) return this.memory.low
    const { minFreeMemoryMb } = this.settings()
    let low = false
    if (minFreeMemoryMb !== 0) {
      const reading = this.probes.memory()
      low = reading.freeBytes < memoryFloorBytes(minFreeMemoryMb, reading.totalBytes)
    }
    this.memory = { at: now, low }
    return low
  }

  /** The settings changed: the next look reads the memory again. */
  settingsChanged(): void {
    this.memory = undefined
    if (!this.settings().adaptiveConcurrency) this.machine = null
  }

  /**
   * One look at the load: the ceiling steps down by one when the machine is
   * busy (to 1 at least), up by one when it is idle. `own` is the slots
   * Offload's started jobs take now; `base` the limit without this ceiling.
   */
  checkLoad(now: number, own: number, base: number): void {
    // Smoothed like the load average itself: jobs that just ended still weigh in the load for a minute, and
    // subtracting only those running now would make the machine look busier each time the ceiling drops.
    const keep = this.lastLoadCheck === undefined ? 0 : Math.exp(-Math.max(0, now - this.lastLoadCheck) / LOAD_AVERAGE_MS)
    this.ownAverage = this.ownAverage * keep + own * (1 - keep)
    this.lastLoadCheck = now
    const { adaptiveConcurrency, concurrency } = this.settings()
    if (!adaptiveConcurrency) {
      this.machine = null
      return
    }
    const verdict = loadVerdict(this.probes.load(), this.ownAverage)
    if (verdict === 'busy') this.machine = Math.max(1, Math.min(this.machine ?? Infinity, base) - 1)
    else if (verdict === 'idle' && this.machine !== null) this.machine = this.machine + 1 >= concurrency ? null : this.machine + 1
  }

  /** In the desktop app: someone is using the computer (input within the last minute). */
  setUserActive(active: boolean): void {
    this.userActive = active
  }

  /** The limit now, from the last readings; `battery` is the outside ceiling, if any. */
  verdict(battery: number | null): AdmissionVerdict {
    const { concurrency, adaptiveConcurrency } = this.settings()
    return throttleOf({
      concurrency,
      battery,
      machine: adaptiveConcurrency ? this.machine : null,
      userActive: adaptiveConcurrency && this.userActive,
      memoryLow: this.memory?.low ?? false,
    })
  }
}
