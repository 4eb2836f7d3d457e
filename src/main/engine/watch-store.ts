import type Database from 'better-sqlite3'
import type { ParsedNewWatch } from '../../shared/watch'
import { PRIORITY_BY_RANK, PRIORITY_RANK } from './job-store'

/** A watch as stored. */
export interface StoredWatch extends ParsedNewWatch {
  id: string
  createdAt: number
}

/** What a file was when it was handed over: the dedupe key with its path. mtimeMs is whole milliseconds. */
export interface FileKey {
  size: number
  mtimeMs: number
}

export interface FileRecord extends FileKey {
  watchId: string
  /** Relative to the watch's folder. */
  path: string
  jobId: string | null
  problem: string | null
  seenAt: number
}

export interface WatchSummary {
  handedOver: number
  lastFileAt: number | null
  lastJobId: string | null
  lastSkipped: { path: string; message: string; at: number } | null
}

interface WatchRow {
  id: string
  path: string
  glob: string
  recursive: 0 | 1
  kind: string
  params_template: string
  priority: number
  lane: string | null
  slots: number
  settle_ms: number
  enabled: 0 | 1
  created_at: number
}

function toWatch(row: WatchRow): StoredWatch {
  return {
    id: row.id,
    path: row.path,
    glob: row.glob,
    recursive: row.recursive === 1,
    kind: row.kind,
    paramsTemplate: JSON.parse(row.params_template) as Record<string, unknown>,
    priority: PRIORITY_BY_RANK[row.priority]!,
    lane: row.lane,
    slots: row.slots,
    settleMs: row.settle_ms,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
  }
}

/**
 * The watches and the files each has handed over, in SQL. Callers wrap
 * writes in the job store's transaction, so a file's record and its job's
 * insert commit together.
 */
export class WatchStore {
  private readonly stmt

  constructor(db: Database.Database) {
    this.stmt = {
      upsert: db.prepare(`
        INSERT INTO watches (id, path, glob, recursive, kind, params_template, priority, lane, slots, settle_ms, enabled, created_at, updated_at)
        VALUES (@id, @path, @glob, @recursive, @kind, @paramsTemplate, @priority, @lane, @slots, @settleMs, @enabled, @createdAt, @now)
        ON CONFLICT (id) DO UPDATE SET path = excluded.path, glob = excluded.glob, recursive = excluded.recursive, kind = excluded.kind,
          params_template = excluded.params_template, priority = excluded.priority, lane = excluded.lane, slots = excluded.slots, settle_ms = excluded.settle_ms,
          enabled = excluded.enabled, updated_at = excluded.updated_at`),
      get: db.prepare<[string], WatchRow>(`SELECT * FROM watches WHERE id = ?`),
      all: db.prepare<[], WatchRow>(`SELECT * FROM watches ORDER BY path, id`),
      remove: db.prepare<[string]>(`DELETE FROM watches WHERE id = ?`),
      file: db.prepare<[string, string], { size: number; mtime_ms: number }>(`SELECT size, mtime_ms FROM watch_files WHERE watch_id = ? AND path = ?`),
      recordFile: db.prepare<[FileRecord]>(`
        INSERT INTO watch_files (watch_id, path, size, mtime_ms, job_id, problem, seen_at)
        VALUES (@watchId, @path, @size, @mtimeMs, @jobId, @problem, @seenAt)
        ON CONFLICT (watch_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, job_id = excluded.job_id,
          problem = excluded.problem, seen_at = excluded.seen_at`),
      forgetFile: db.prepare<[string, string]>(`DELETE FROM watch_files WHERE watch_id = ? AND path = ?`),
      forgetAll: db.prepare<[string]>(`DELETE FROM watch_files WHERE watch_id = ?`),
      paths: db.prepare<[string], string>(`SELECT path FROM watch_files WHERE watch_id = ?`).pluck(),
      files: db.prepare<[string], { path: string; size: number; mtime_ms: number; job_id: string | null; problem: string | null; seen_at: number }>(
        `SELECT path, size, mtime_ms, job_id, problem, seen_at FROM watch_files WHERE watch_id = ? ORDER BY path`,
      ),
      handedOver: db.prepare<[string], number>(`SELECT count(*) FROM watch_files WHERE watch_id = ? AND job_id IS NOT NULL`).pluck(),
      lastJob: db.prepare<[string], { job_id: string; seen_at: number }>(`
        SELECT job_id, seen_at FROM watch_files INDEXED BY watch_files_seen
        WHERE watch_id = ? AND job_id IS NOT NULL ORDER BY seen_at DESC LIMIT 1`),
      lastSkipped: db.prepare<[string], { path: string; problem: string; seen_at: number }>(`
        SELECT path, problem, seen_at FROM watch_files INDEXED BY watch_files_seen
        WHERE watch_id = ? AND job_id IS NULL ORDER BY seen_at DESC LIMIT 1`),
    }
  }

  save(watch: StoredWatch, now: number): void {
    this.stmt.upsert.run({
      id: watch.id,
      path: watch.path,
      glob: watch.glob,
      recursive: watch.recursive ? 1 : 0,
      kind: watch.kind,
      paramsTemplate: JSON.stringify(watch.paramsTemplate),
      priority: PRIORITY_RANK[watch.priority],
      lane: watch.lane,
      slots: watch.slots,
      settleMs: watch.settleMs,
      enabled: watch.enabled ? 1 : 0,
      createdAt: watch.createdAt,
      now,
    })
  }

  get(id: string): StoredWatch | undefined {
    const row = this.stmt.get.get(id)
    return row && toWatch(row)
  }

  all(): StoredWatch[] {
    return this.stmt.all.all().map(toWatch)
  }

  /** The watch and, by its foreign key, its files. */
  remove(id: string): boolean {
    return this.stmt.remove.run(id).changes > 0
  }

  /** What the file was when last handed over (or found unfit for a job). */
  file(watchId: string, path: string): FileKey | undefined {
    const row = this.stmt.file.get(watchId, path)
    return row && { size: row.size, mtimeMs: row.mtime_ms }
  }

  recordFile(file: FileRecord): void {
    this.stmt.recordFile.run(file)
  }

  /** A file that is gone: should one come again at that path, it is new. */
  forgetFile(watchId: string, path: string): void {
    this.stmt.forgetFile.run(watchId, path)
  }

  /** Every file of the watch (its folder changed: the old records say nothing of the new one). */
  forgetAll(watchId: string): void {
    this.stmt.forgetAll.run(watchId)
  }

  /** Every file the watch has recorded, for an export. */
  files(watchId: string): FileRecord[] {
    return this.stmt.files
      .all(watchId)
      .map((f) => ({ watchId, path: f.path, size: f.size, mtimeMs: f.mtime_ms, jobId: f.job_id, problem: f.problem, seenAt: f.seen_at }))
  }

  paths(watchId: string): string[] {
    return this.stmt.paths.all(watchId)
  }

  summary(watchId: string): WatchSummary {
    const last = this.stmt.lastJob.get(watchId)
    const skipped = this.stmt.lastSkipped.get(watchId)
    return {
      handedOver: this.stmt.handedOver.get(watchId) ?? 0,
      lastFileAt: last?.seen_at ?? null,
      lastJobId: last?.job_id ?? null,
      lastSkipped: skipped ? { path: skipped.path, message: skipped.problem, at: skipped.seen_at } : null,
    }
  }
}
