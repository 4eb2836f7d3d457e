import type Database from 'better-sqlite3'
import type { DependencyFailure, JobStatus } from '../../shared/job'

/** A job row as the graph reads it: enough to decide, and the row to hand back. */
export interface GraphRow {
  id: string
  kind: string
  name: string
  status: JobStatus
  on_dep_failure: DependencyFailure
}

/** A child still counting on the parent that ended. */
type PendingChild = Pick<GraphRow, 'id' | 'name' | 'status' | 'on_dep_failure'>

/** What the graph did to one job, for the store to count and tell. */
export interface GraphMove<Row> {
  row: Row
  was: JobStatus
}

/**
 * The edges between jobs and what follows when one ends, in SQL. Each edge
 * is settled once: when its parent succeeds (or fails, for a child that runs
 * anyway); a child's `deps_waiting` counts its unsettled edges, and it is
 * queued when that reaches nought. A parent that fails or is cancelled fails
 * its `fail` children with `dependency_failed`, and theirs after them;
 * `hold` children wait for it to be retried. Every call runs inside the
 * caller's transaction: the parent's ending and all that follows commit
 * together.
 */
export class DependencyGraph<Row extends GraphRow> {
  private readonly stmt

  constructor(db: Database.Database) {
    this.stmt = {
      addEdge: db.prepare<[string, string, number]>(`INSERT INTO job_deps (job_id, parent_id, settled) VALUES (?, ?, ?)`),
      children: db.prepare<[string], Row>(`
        SELECT j.* FROM job_deps d INDEXED BY job_deps_parent JOIN jobs j ON j.id = d.job_id WHERE d.parent_id = ?`),
      parents: db.prepare<[string, number], Row>(`SELECT j.* FROM job_deps d JOIN jobs j ON j.id = d.parent_id WHERE d.job_id = ? LIMIT ?`),
      childrenPage: db.prepare<[string, number], Row>(`
        SELECT j.* FROM job_deps d INDEXED BY job_deps_parent JOIN jobs j ON j.id = d.job_id WHERE d.parent_id = ? LIMIT ?`),
      // Only what deciding needs: whole rows carry params and results.
      pending: db.prepare<[string], PendingChild>(`
        SELECT j.id, j.name, j.status, j.on_dep_failure FROM job_deps d INDEXED BY job_deps_parent JOIN jobs j ON j.id = d.job_id
        WHERE d.parent_id = ? AND d.settled = 0 AND j.status IN ('waiting', 'held')`),
      settle: db.prepare<[string, string]>(`UPDATE job_deps SET settled = 1 WHERE job_id = ? AND parent_id = ? AND settled = 0`),
      // A parent that succeeded settles all its edges to children still counting on it in one statement: every success takes this path.
      settleAll: db
        .prepare<[string], string>(
          `
        UPDATE job_deps SET settled = 1
        WHERE parent_id = ? AND settled = 0 AND (SELECT status FROM jobs WHERE id = job_deps.job_id) IN ('waiting', 'held')
        RETURNING job_id`,
        )
        .pluck(),
      // SET reads the old values throughout: deps_waiting = 1 here means this was the last.
      countDown: db
        .prepare<[{ id: string; now: number }], JobStatus>(
          `
        UPDATE jobs SET deps_waiting = deps_waiting - 1, updated_at = @now,
          status = CASE WHEN status = 'waiting' AND deps_waiting = 1 THEN (CASE WHEN run_after > @now THEN 'scheduled' ELSE 'queued' END) ELSE status END
        WHERE id = @id RETURNING status`,
        )
        .pluck(),
      row: db.prepare<[string], Row>(`SELECT * FROM jobs WHERE id = ?`),
      fail: db.prepare<[{ id: string; now: number; message: string }], Row>(`
        UPDATE jobs SET status = 'failed', finished_at = @now, updated_at = @now,
                        error_code = 'dependency_failed', error_message = @message, error_detail = NULL
        WHERE id = @id AND status IN ('waiting', 'held') RETURNING *`),
      rearm: db.prepare<[{ id: string; now: number }], Row>(`
        UPDATE jobs SET status = 'waiting', finished_at = NULL, updated_at = @now, error_code = NULL, error_message = NULL, error_detail = NULL
        WHERE id = @id AND status = 'failed' AND error_code = 'dependency_failed' RETURNING *`),
      otherFailedParent: db
        .prepare<[string, string], number>(
          `
        SELECT count(*) FROM job_deps d JOIN jobs p ON p.id = d.parent_id
        WHERE d.job_id = ? AND d.parent_id != ? AND d.settled = 0 AND p.status IN ('failed', 'cancelled')`,
        )
        .pluck(),
    }
  }

  /** An edge from a new job to a parent; `settled` when the parent has already done its part. */
  addEdge(jobId: string, parentId: string, settled: boolean): void {
    this.stmt.addEdge.run(jobId, parentId, settled ? 1 : 0)
  }

  /** A new job whose parent had already failed: it fails at once, from the status it was inserted with (waiting, or held). */
  failNew(id: string, message: string, now: number, was: 'waiting' | 'held'): GraphMove<Row>[] {
    const row = this.stmt.fail.get({ id, now, message })
    return row ? [{ row, was }] : []
  }

  parents(id: string, limit: number): Row[] {
    return this.stmt.parents.all(id, limit)
  }

  children(id: string, limit: number): Row[] {
    return this.stmt.childrenPage.all(id, limit)
  }

  /** The job succeeded: each child counts it done, and goes on once nothing else holds it. */
  succeeded(parentId: string, now: number): GraphMove<Row>[] {
    return this.spread([{ id: parentId, ok: true, message: '' }], now)
  }

  /** The job ended without success (failed, cancelled, removed before it ran): its children as their policies say, and theirs. */
  failed(parent: Pick<GraphRow, 'id' | 'name'>, how: string, now: number): GraphMove<Row>[] {
    return this.spread([{ id: parent.id, ok: false, message: `“${parent.name}”, a job it depends on, ${how}` }], now)
  }

  /**
   * The job was retried: children failed because of it wait again (unless
   * another of their parents has failed too), and so on down. A child that
   * went on regardless ("run") has counted it done, and does not wait again.
   */
  retried(parentId: string, now: number): GraphMove<Row>[] {
    const moves: GraphMove<Row>[] = []
    const todo = [parentId]
    for (let parent = todo.pop(); parent !== undefined; parent = todo.pop()) {
      for (const child of this.stmt.children.all(parent)) {
        if (child.status !== 'failed' || this.stmt.otherFailedParent.get(child.id, parent)! > 0) continue
        const row = this.stmt.rearm.get({ id: child.id, now })
        if (!row) continue
        moves.push({ row, was: 'failed' })
        todo.push(child.id)
      }
    }
    return moves
  }

  /** Children that have counted one more parent done; those it was the last for go on, from waiting (a held one stays held). */
  private countDown(ids: readonly string[], now: number, moves: GraphMove<Row>[]): void {
    if (ids.length === 0) return
    for (const id of ids) {
      const status = this.stmt.countDown.get({ id, now })
      if (status !== 'waiting' && status !== 'held') moves.push({ row: this.stmt.row.get(id)!, was: 'waiting' })
    }
  }

  private spread(start: { id: string; ok: boolean; message: string }[], now: number): GraphMove<Row>[] {
    const moves: GraphMove<Row>[] = []
    const todo = [...start]
    for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
      if (next.ok) {
        this.countDown(this.stmt.settleAll.all(next.id), now, moves)
        continue
      }
      for (const child of this.stmt.pending.all(next.id)) {
        if (child.on_dep_failure === 'run') {
          this.stmt.settle.run(child.id, next.id)
          this.countDown([child.id], now, moves)
        } else if (child.on_dep_failure === 'fail') {
          const row = this.stmt.fail.get({ id: child.id, now, message: next.message })
          if (!row) continue
          moves.push({ row, was: child.status })
          todo.push({ id: child.id, ok: false, message: `“${child.name}”, a job it depends on, failed because one it depends on did` })
        }
      }
    }
    return moves
  }
}
