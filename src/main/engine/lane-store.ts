import type Database from 'better-sqlite3'
import type { LanePolicy } from '../../shared/lane'

interface LaneRow {
  name: string
  concurrency: number | null
  paused: 0 | 1
}

/**
 * The lanes' own settings, in SQL. Callers wrap writes in the job store's
 * transaction, so a storage failure comes out as one.
 */
export class LaneStore {
  private readonly stmt

  constructor(db: Database.Database) {
    this.stmt = {
      all: db.prepare<[], LaneRow>(`SELECT name, concurrency, paused FROM lanes ORDER BY name`),
      save: db.prepare<[{ name: string; concurrency: number | null; paused: 0 | 1; now: number }]>(`
        INSERT INTO lanes (name, concurrency, paused, updated_at) VALUES (@name, @concurrency, @paused, @now)
        ON CONFLICT (name) DO UPDATE SET concurrency = excluded.concurrency, paused = excluded.paused, updated_at = excluded.updated_at`),
      forget: db.prepare<[string]>(`DELETE FROM lanes WHERE name = ?`),
      // The planner walks the ready index (every queued row) rather than the whole table.
      queued: db.prepare<[], { lane: string; n: number }>(`SELECT lane, count(*) AS n FROM jobs INDEXED BY jobs_ready WHERE status = 'queued' GROUP BY lane`),
    }
  }

  /** Every lane with settings of its own. */
  all(): Map<string, LanePolicy> {
    return new Map(this.stmt.all.all().map((row) => [row.name, { concurrency: row.concurrency, paused: row.paused === 1 }]))
  }

  /** A lane back to open and unlimited has no row: the table holds only what differs. */
  save(name: string, policy: LanePolicy, now: number): void {
    if (policy.concurrency === null && !policy.paused) this.stmt.forget.run(name)
    else this.stmt.save.run({ name, concurrency: policy.concurrency, paused: policy.paused ? 1 : 0, now })
  }

  /** Queued jobs per lane (those waiting for their time not counted). */
  queued(): Map<string, number> {
    return new Map(this.stmt.queued.all().map((row) => [row.lane, row.n]))
  }
}
