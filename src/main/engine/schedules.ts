import { monotonicFactory } from 'ulid'
import { fireTimesBetween, lastFireTime, nextFireTimes, cronProblem } from '../../shared/cron'
import { ApiError } from '../../shared/errors'
import type { Job, ParsedNewJob } from '../../shared/job'
import { MAX_WAITING_RUNS, type ParsedNewSchedule, type Schedule, type ScheduleDetail, type ScheduleRun, type ScheduleUpdate } from '../../shared/schedule'
import type { JobCommands } from './commands'
import type { Clock, Engine } from './engine'
import type { JobStore } from './job-store'
import { ScheduleStore, type StoredSchedule } from './schedule-store'
import { asStorageError } from './storage-error'

type JobRow = ReturnType<JobCommands['prepareJob']>

/** A slot fired within this long of its time is on time; later, it was missed (Offload was off, or the machine asleep). */
export const ON_TIME_MS = 60_000
/** Missed runs made up at most, the latest ones, however long Offload was away. */
export const MAX_CATCH_UP = 1000
/** The timer is capped, so a wall clock that jumps (a wake from sleep, the time set by hand) is seen within this long. */
const MAX_WAKE_MS = 60_000
const HISTORY = 20
const ACTIVE: ReadonlySet<string> = new Set(['held', 'scheduled', 'queued', 'running'])

export interface ScheduleDeps {
  store: JobStore
  schedules: ScheduleStore
  commands: JobCommands
  engine: Engine
  clock?: Clock
}

/**
 * Recurring schedules: the commands on them, and the timer that fires them.
 * Each slot's job is inserted in the transaction that records the slot and
 * advances the schedule, so a crash can neither lose nor double a run.
 * Missed slots (Offload was off or asleep) follow the schedule's `missed`
 * policy, runs that come while the last one is going its `overlap` policy.
 */
export class Schedules {
  private readonly store: JobStore
  private readonly schedules: ScheduleStore
  private readonly commands: JobCommands
  private readonly engine: Engine
  private readonly clock: Clock
  private readonly nextId = monotonicFactory()
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined
  private stopped = false

  constructor(deps: ScheduleDeps) {
    this.store = deps.store
    this.schedules = deps.schedules
    this.commands = deps.commands
    this.engine = deps.engine
    this.clock = deps.clock ?? { now: () => Date.now() }
  }

  /** Fires what came due while Offload was away, then keeps time; a job of a schedule that ends lets the next waiting run start. */
  start(): void {
    this.unsubscribe = this.engine.subscribe((event) => {
      if (event.type !== 'jobs' || !event.jobs.some((job) => !ACTIVE.has(job.status))) return
      if (this.schedules.schedulesWithWaiting().length > 0) this.check()
    })
    this.check()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.unsubscribe?.()
  }

  /** Fires every slot now due; also called when the machine wakes from sleep. */
  check(): void {
    if (this.stopped) return
    clearTimeout(this.timer)
    const now = this.clock.now()
    try {
      const { added, cancelled } = this.store.transaction(() => {
        const fired = { added: [] as Job[], cancelled: [] as Job[] }
        for (const schedule of this.schedules.due(now)) this.fire(schedule, now, fired)
        this.startWaiting(now, fired)
        return fired
      })
      for (const job of cancelled) this.engine.stopRun(job.id)
      if (cancelled.length > 0) this.engine.jobsChanged(cancelled)
      if (added.length > 0) this.engine.jobsAdded(added)
    } catch (error) {
      // The engine reports storage trouble to everyone; the next check tries again.
      if (!asStorageError(error)) throw error
    }
    this.arm(now)
  }

  list(): Schedule[] {
    const now = this.clock.now()
    return this.schedules.all().map((s) => this.view(s, now))
  }

  get(id: string): ScheduleDetail {
    const schedule = this.find(id)
    return { ...this.view(schedule, this.clock.now()), history: this.schedules.runs(id, HISTORY) }
  }

  create(input: ParsedNewSchedule): Schedule {
    const now = this.clock.now()
    const schedule: StoredSchedule = { ...input, id: this.nextId(now), name: input.name ?? input.kind, createdAt: now, nextAt: null }
    this.checkJob(schedule, now)
    schedule.nextAt = this.firstSlotAfter(schedule, now)
    this.store.transaction(() => this.schedules.save(schedule, now))
    this.arm(now)
    return this.view(schedule, now)
  }

  update({ id, ...patch }: ScheduleUpdate): Schedule {
    const now = this.clock.now()
    const old = this.find(id)
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<StoredSchedule>
    const next: StoredSchedule = { ...old, ...given }
    const problem = cronProblem(next.cron, next.timezone)
    if (problem) throw new ApiError('invalid_input', `${problem.path}: ${problem.message}`, [problem])
    if (given.kind !== undefined || given.params !== undefined || given.slots !== undefined) this.checkJob(next, now)
    // A new pattern, zone or enabling starts from now: time spent disabled is not "missed".
    const retimed = next.cron !== old.cron || next.timezone !== old.timezone || next.enabled !== old.enabled
    if (retimed) next.nextAt = this.firstSlotAfter(next, now)
    this.store.transaction(() => this.schedules.save(next, now))
    this.arm(now)
    return this.view(next, now)
  }

  remove(id: string): void {
    const removed = this.store.transaction(() => this.schedules.remove(id))
    if (!removed) throw notFound(id)
  }

  /** A run now, outside the pattern (and its overlap policy: the person asked for it). */
  runNow(id: string): Job {
    const schedule = this.find(id)
    let now = this.clock.now()
    const job = this.store.transaction(() => {
      while (this.schedules.hasRun(id, now)) now++
      return this.record(schedule, { slot: now, late: false, manual: true }, now, this.commands.prepareMadeJob(jobOf(schedule), now))!
    })
    this.engine.jobsAdded([job])
    return job
  }

  private find(id: string): StoredSchedule {
    const schedule = this.schedules.get(id)
    if (!schedule) throw notFound(id)
    return schedule
  }

  /** The kind, params and slots are checked as a job of them would be, so a schedule never fires what could not run. */
  private checkJob(schedule: StoredSchedule, now: number): void {
    try {
      this.commands.prepareJob(jobOf(schedule), now)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      // Slots above the concurrency setting: the field it names is the schedule's own.
      if (error.code === 'invalid_input') throw error
      const detail = Array.isArray(error.detail)
        ? (error.detail as { path: string; message: string }[]).map((d) => ({ ...d, path: `params.${d.path}` }))
        : [{ path: error.code === 'unknown_kind' ? 'kind' : 'params', message: error.message }]
      throw new ApiError(error.code, error.message, detail)
    }
  }

  private firstSlotAfter(schedule: StoredSchedule, now: number): number | null {
    return schedule.enabled ? (nextFireTimes(schedule.cron, schedule.timezone, 1, now)[0] ?? null) : null
  }

  /** The slots due for one schedule, by its `missed` policy, and the slot after now. */
  private fire(schedule: StoredSchedule, now: number, fired: { added: Job[]; cancelled: Job[] }): void {
    const { cron, timezone, nextAt } = schedule
    // On time, the usual case, the slot due is nextAt and the one after it is past now: one walk of the pattern gives both.
    const following = nextAt === null || nextAt > now ? undefined : (nextFireTimes(cron, timezone, 1, nextAt)[0] ?? null)
    const onlyNextAt = following !== undefined && (following === null || following > now)
    const latest = onlyNextAt ? nextAt : lastFireTime(cron, timezone, now)
    const slots: { slot: number; late: boolean }[] = []
    if (latest !== null && schedule.nextAt !== null && latest >= schedule.nextAt) {
      const onTime = now - latest <= ON_TIME_MS
      const window = schedule.missedWindowMs ?? Infinity
      if (schedule.missed === 'all') {
        const from = Math.max(schedule.nextAt, now - window)
        for (const slot of fireTimesBetween(cron, timezone, from, now, MAX_CATCH_UP)) slots.push({ slot, late: !(onTime && slot === latest) })
      } else if (onTime) slots.push({ slot: latest, late: false })
      else if (schedule.missed === 'once' && now - latest <= window) slots.push({ slot: latest, late: true })
    }
    // Overlap is judged against runs from before this check: the slots made up together are one backlog.
    const last = this.schedules.lastJobStatus(schedule.id)
    const busy = last !== undefined && last.status !== null && ACTIVE.has(last.status) ? last.jobId : null
    for (const { slot, late } of slots) {
      if (this.schedules.hasRun(schedule.id, slot)) continue
      if (busy === null || schedule.overlap === 'replace') {
        if (busy !== null) {
          const { job } = this.store.markCancelled(busy, now)
          if (job) fired.cancelled.push(job)
        }
        const job = this.record(schedule, { slot, late, manual: false }, now, this.tryJob(schedule, now))
        if (job) fired.added.push(job)
      } else {
        const wait = schedule.overlap === 'queue' && this.schedules.waitingCount(schedule.id) < MAX_WAITING_RUNS
        this.schedules.recordRun({ scheduleId: schedule.id, slot, firedAt: now, state: wait ? 'waiting' : 'skipped', manual: false, late, jobId: null })
      }
    }
    this.schedules.advance(schedule.id, onlyNextAt ? (following ?? null) : (nextFireTimes(cron, timezone, 1, now)[0] ?? null), now)
  }

  /** Runs queued behind one still going start, one per schedule, once it has ended. */
  private startWaiting(now: number, fired: { added: Job[] }): void {
    for (const id of this.schedules.schedulesWithWaiting()) {
      const last = this.schedules.lastJobStatus(id)
      if (last && last.status !== null && ACTIVE.has(last.status)) continue
      const schedule = this.schedules.get(id)
      const waiting = this.schedules.oldestWaiting(id)
      if (!schedule || !waiting) continue
      const row = this.tryJob(schedule, now)
      if (!row) continue
      this.store.insert([row])
      this.schedules.startWaiting(id, waiting.slot, row.id)
      fired.added.push(this.store.get(row.id)!)
    }
  }

  /** Records a slot and inserts its job; with no job (its kind was removed since, say) the slot is skipped rather than stopping the rest. */
  private record(schedule: StoredSchedule, run: { slot: number; late: boolean; manual: boolean }, now: number, row: JobRow | undefined): Job | undefined {
    if (row) this.store.insert([row])
    const state = row ? 'enqueued' : 'skipped'
    this.schedules.recordRun({ scheduleId: schedule.id, slot: run.slot, firedAt: now, state, manual: run.manual, late: run.late, jobId: row?.id ?? null })
    return row && this.store.get(row.id)
  }

  private tryJob(schedule: StoredSchedule, now: number): JobRow | undefined {
    try {
      return this.commands.prepareMadeJob(jobOf(schedule), now)
    } catch (error) {
      if (error instanceof ApiError && (error.code === 'unknown_kind' || error.code === 'invalid_params')) return undefined
      throw error
    }
  }

  private arm(now: number): void {
    if (this.stopped) return
    clearTimeout(this.timer)
    let due: number | null
    try {
      due = this.schedules.nextDueAt()
    } catch (error) {
      if (!asStorageError(error)) throw error
      due = now + MAX_WAKE_MS
    }
    if (due === null) return
    this.timer = setTimeout(() => this.check(), Math.min(Math.max(0, due - now), MAX_WAKE_MS)).unref()
  }

  private view(schedule: StoredSchedule, now: number): Schedule {
    const { nextAt: _nextAt, createdAt, ...fields } = schedule
    const lastRun: ScheduleRun | null = this.schedules.runs(schedule.id, 1)[0] ?? null
    return {
      ...fields,
      createdAt: new Date(createdAt).toISOString(),
      nextRuns: schedule.enabled ? nextFireTimes(schedule.cron, schedule.timezone, 5, now).map((t) => new Date(t).toISOString()) : [],
      lastRun,
    }
  }
}

function jobOf(schedule: StoredSchedule): ParsedNewJob {
  return {
    kind: schedule.kind,
    params: schedule.params,
    name: schedule.name,
    priority: schedule.priority,
    ...(schedule.lane !== null ? { lane: schedule.lane } : {}),
    slots: schedule.slots,
    ...(schedule.maxAttempts !== null ? { maxAttempts: schedule.maxAttempts } : {}),
    ...(schedule.timeoutMs !== null ? { timeoutMs: schedule.timeoutMs } : {}),
  }
}

function notFound(id: string): ApiError {
  return new ApiError('not_found', `No schedule with id ${id}`)
}
