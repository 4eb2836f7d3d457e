import type Database from 'better-sqlite3'
import type { ParsedNewSchedule, ScheduleRun } from '../../shared/schedule'
import { MISSED_POLICIES, OVERLAP_POLICIES, SCHEDULE_RUN_STATES } from '../../shared/schedule'
import { PRIORITY_BY_RANK, PRIORITY_RANK } from './job-store'

/** A schedule as stored: its settings, and the first slot it has not handled yet. */
export interface StoredSchedule extends Omit<ParsedNewSchedule, 'name'> {
  id: string
  name: string
  nextAt: number | null
  createdAt: number
}

interface ScheduleRow {
  id: string
  name: string
  cron: string
  timezone: string
  kind: string
  params: string
  priority: number
  max_attempts: number | null
  timeout_ms: number | null
  lane: string | null
  slots: number
  enabled: 0 | 1
  overlap: string
  missed: string
  missed_window_ms: number | null
  next_at: number | null
  created_at: number
}

interface RunRow {
  slot: number
  fired_at: number
  state: string
  manual: 0 | 1
  late: 0 | 1
  job_id: string | null
  status: string | null
}

export interface RunInsert {
  scheduleId: string
  slot: number
  firedAt: number
  state: ScheduleRun['state']
  manual: boolean
  late: boolean
  jobId: string | null
}

function toSchedule(row: ScheduleRow): StoredSchedule {
  return {
    id: row.id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    kind: row.kind,
    params: JSON.parse(row.params) as Record<string, unknown>,
    priority: PRIORITY_BY_RANK[row.priority]!,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    lane: row.lane,
    slots: row.slots,
    enabled: row.enabled === 1,
    overlap: OVERLAP_POLICIES.find((p) => p === row.overlap)!,
    missed: MISSED_POLICIES.find((p) => p === row.missed)!,
    missedWindowMs: row.missed_window_ms,
    nextAt: row.next_at,
    createdAt: row.created_at,
  }
}

function toRun(row: RunRow): ScheduleRun {
  return {
    slot: new Date(row.slot).toISOString(),
    firedAt: new Date(row.fired_at).toISOString(),
    state: SCHEDULE_RUN_STATES.find((s) => s === row.state)!,
    manual: row.manual === 1,
    late: row.late === 1,
    jobId: row.job_id,
    status: (row.status as ScheduleRun['status']) ?? null,
  }
}

/**
 * The schedules and what each slot came to, in SQL. Callers wrap writes in
 * the job store's transaction, so a slot's run, the schedule's advance and
 * the job's insert commit together.
 */
export class ScheduleStore {
  private readonly stmt

  constructor(db: Database.Database) {
    this.stmt = {
      upsert: db.prepare(`
        INSERT INTO schedules (id, name, cron, timezone, kind, params, priority, max_attempts, timeout_ms, lane, slots, enabled, overlap, missed,
                               missed_window_ms, next_at, created_at, updated_at)
        VALUES (@id, @name, @cron, @timezone, @kind, @params, @priority, @maxAttempts, @timeoutMs, @lane, @slots, @enabled, @overlap, @missed,
                @missedWindowMs, @nextAt, @createdAt, @now)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, cron = excluded.cron, timezone = excluded.timezone, kind = excluded.kind,
          params = excluded.params, priority = excluded.priority, max_attempts = excluded.max_attempts, timeout_ms = excluded.timeout_ms,
          lane = excluded.lane, slots = excluded.slots, enabled = excluded.enabled, overlap = excluded.overlap, missed = excluded.missed, missed_window_ms = excluded.missed_window_ms,
          next_at = excluded.next_at, updated_at = excluded.updated_at`),
      get: db.prepare<[string], ScheduleRow>(`SELECT * FROM schedules WHERE id = ?`),
      all: db.prepare<[], ScheduleRow>(`SELECT * FROM schedules ORDER BY name, id`),
      due: db.prepare<[number], ScheduleRow>(`SELECT * FROM schedules INDEXED BY schedules_due WHERE enabled = 1 AND next_at <= ? ORDER BY next_at`),
      nextDue: db.prepare<[], number | null>(`SELECT min(next_at) FROM schedules WHERE enabled = 1`).pluck(),
      advance: db.prepare<[number | null, number, string]>(`UPDATE schedules SET next_at = ?, updated_at = ? WHERE id = ?`),
      remove: db.prepare<[string]>(`DELETE FROM schedules WHERE id = ?`),
      insertRun: db.prepare<[RunInsert & { manualInt: number; lateInt: number }]>(`
        INSERT INTO schedule_runs (schedule_id, slot, fired_at, state, manual, late, job_id)
        VALUES (@scheduleId, @slot, @firedAt, @state, @manualInt, @lateInt, @jobId)`),
      hasRun: db.prepare<[string, number], number>(`SELECT 1 FROM schedule_runs WHERE schedule_id = ? AND slot = ?`).pluck(),
      runs: db.prepare<[string, number], RunRow>(`
        SELECT r.*, j.status FROM schedule_runs r LEFT JOIN jobs j ON j.id = r.job_id
        WHERE r.schedule_id = ? ORDER BY r.slot DESC LIMIT ?`),
      lastJob: db.prepare<[string], { job_id: string; status: string | null }>(`
        SELECT r.job_id, j.status FROM schedule_runs r LEFT JOIN jobs j ON j.id = r.job_id
        WHERE r.schedule_id = ? AND r.job_id IS NOT NULL ORDER BY r.slot DESC LIMIT 1`),
      oldestWaiting: db.prepare<[string], { slot: number; late: 0 | 1 }>(`
        SELECT slot, late FROM schedule_runs WHERE schedule_id = ? AND state = 'waiting' ORDER BY slot LIMIT 1`),
      waitingCount: db.prepare<[string], number>(`SELECT count(*) FROM schedule_runs WHERE schedule_id = ? AND state = 'waiting'`).pluck(),
      withWaiting: db.prepare<[], string>(`SELECT DISTINCT schedule_id FROM schedule_runs WHERE state = 'waiting'`).pluck(),
      startWaiting: db.prepare<[string, string, number]>(`
        UPDATE schedule_runs SET state = 'enqueued', job_id = ? WHERE schedule_id = ? AND slot = ? AND state = 'waiting'`),
      scheduleOfJob: db.prepare<[string], string>(`SELECT schedule_id FROM schedule_runs WHERE job_id = ?`).pluck(),
    }
  }

  save(schedule: StoredSchedule, now: number): void {
    this.stmt.upsert.run({
      id: schedule.id,
      name: schedule.name,
      cron: schedule.cron,
      timezone: schedule.timezone,
      kind: schedule.kind,
      params: JSON.stringify(schedule.params),
      priority: PRIORITY_RANK[schedule.priority],
      maxAttempts: schedule.maxAttempts,
      timeoutMs: schedule.timeoutMs,
      lane: schedule.lane,
      slots: schedule.slots,
      enabled: schedule.enabled ? 1 : 0,
      overlap: schedule.overlap,
      missed: schedule.missed,
      missedWindowMs: schedule.missedWindowMs,
      nextAt: schedule.nextAt,
      createdAt: schedule.createdAt,
      now,
    })
  }

  get(id: string): StoredSchedule | undefined {
    const row = this.stmt.get.get(id)
    return row && toSchedule(row)
  }

  all(): StoredSchedule[] {
    return this.stmt.all.all().map(toSchedule)
  }

  /** Enabled schedules whose next slot is at or before `now`. */
  due(now: number): StoredSchedule[] {
    return this.stmt.due.all(now).map(toSchedule)
  }

  nextDueAt(): number | null {
    return this.stmt.nextDue.get() ?? null
  }

  advance(id: string, nextAt: number | null, now: number): void {
    this.stmt.advance.run(nextAt, now, id)
  }

  remove(id: string): boolean {
    return this.stmt.remove.run(id).changes > 0
  }

  /** Records what a slot came to; a slot already recorded is refused (its primary key), which is what makes it fire once. */
  recordRun(run: RunInsert): void {
    this.stmt.insertRun.run({ ...run, manualInt: run.manual ? 1 : 0, lateInt: run.late ? 1 : 0 })
  }

  hasRun(scheduleId: string, slot: number): boolean {
    return this.stmt.hasRun.get(scheduleId, slot) !== undefined
  }

  runs(scheduleId: string, limit: number): ScheduleRun[] {
    return this.stmt.runs.all(scheduleId, limit).map(toRun)
  }

  /** The status of the schedule's latest job; null when it has none, or it was removed. */
  lastJobStatus(scheduleId: string): { jobId: string; status: string | null } | undefined {
    const row = this.stmt.lastJob.get(scheduleId)
    return row && { jobId: row.job_id, status: row.status }
  }

  oldestWaiting(scheduleId: string): { slot: number; late: boolean } | undefined {
    const row = this.stmt.oldestWaiting.get(scheduleId)
    return row && { slot: row.slot, late: row.late === 1 }
  }

  waitingCount(scheduleId: string): number {
    return this.stmt.waitingCount.get(scheduleId) ?? 0
  }

  schedulesWithWaiting(): string[] {
    return this.stmt.withWaiting.all()
  }

  startWaiting(scheduleId: string, slot: number, jobId: string): void {
    this.stmt.startWaiting.run(jobId, scheduleId, slot)
  }

  scheduleOfJob(jobId: string): string | undefined {
    return this.stmt.scheduleOfJob.get(jobId)
  }
}
