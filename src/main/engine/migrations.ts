/**
 * Numbered schema migrations; index + 1 is the `user_version` a migration
 * leaves. Append only: a shipped migration is never edited.
 *
 * Times are integer milliseconds since the epoch. Priority is stored as a
 * number (low 0 … urgent 3) so "most urgent first" is a plain index order.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    params           TEXT NOT NULL,
    priority         INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress         REAL NOT NULL DEFAULT 0,
    progress_message TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    timeout_ms       INTEGER,
    backoff_base_ms  INTEGER NOT NULL,
    backoff_cap_ms   INTEGER NOT NULL,
    run_after        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL,
    result           TEXT,
    error_code       TEXT,
    error_message    TEXT,
    error_detail     TEXT,
    log_seq          INTEGER NOT NULL DEFAULT 0
  );
  -- "what runs next": most urgent, then longest due; only queued rows are indexed.
  CREATE INDEX jobs_ready ON jobs (priority DESC, run_after, id) WHERE status = 'queued';
  -- "list by status, newest first" and "by kind, newest first" (ids sort by creation time).
  -- jobs_by_kind leaves status out so that a status change does not rewrite it.
  CREATE INDEX jobs_by_status ON jobs (status, id);
  CREATE INDEX jobs_by_kind ON jobs (kind, id);

  CREATE TABLE job_logs (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    line   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- Written and emptied to learn whether a database in trouble (disk full) has room again.
  CREATE TABLE storage_probe (
    id   INTEGER PRIMARY KEY,
    at   INTEGER NOT NULL,
    room BLOB NOT NULL
  );
  `,
  `
  -- One row per attempt a worker began: the "tries" of a job, as data.
  -- seq counts every try of the job; attempt restarts at 1 when a user retries it.
  CREATE TABLE job_attempts (
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    attempt       INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    outcome       TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    error_code    TEXT,
    error_message TEXT,
    exit_code     INTEGER,
    signal        TEXT,
    worker_pid    INTEGER,
    PRIMARY KEY (job_id, seq)
  ) WITHOUT ROWID;
  -- What older databases knew: the last try of each job that began one.
  INSERT INTO job_attempts (job_id, seq, attempt, started_at, finished_at, outcome, error_code, error_message)
    SELECT id, 1, attempts, started_at, finished_at,
           CASE status WHEN 'succeeded' THEN 'succeeded' WHEN 'cancelled' THEN 'cancelled' WHEN 'running' THEN 'running'
                       ELSE CASE WHEN error_code = 'interrupted' THEN 'interrupted' ELSE 'failed' END END,
           error_code, error_message
    FROM jobs WHERE started_at IS NOT NULL AND attempts > 0;
  `,
  `
  -- A few readable lines about a result, from its kind's summary(result).
  ALTER TABLE jobs ADD COLUMN summary TEXT;
  `,
  `
  -- What ended, per kind and minute (minutes since the epoch), for the stats report. Kept about
  -- eight days and independent of the jobs rows, so removing finished jobs keeps their history.
  CREATE TABLE job_stats (
    minute     INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    succeeded  INTEGER NOT NULL DEFAULT 0,
    failed     INTEGER NOT NULL DEFAULT 0,
    cancelled  INTEGER NOT NULL DEFAULT 0,
    -- The longest final attempt among those that succeeded or failed (0 when none ran).
    run_max_ms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, kind)
  ) WITHOUT ROWID;
  -- Log-scale histograms of the same endings (histogram.ts has the bucket layout): metric 'run' is
  -- finished_at - started_at of the final attempt, 'wait' its started_at - run_after (ready to begun).
  CREATE TABLE job_stats_histogram (
    minute INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('run', 'wait')),
    bucket INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (minute, kind, metric, bucket)
  ) WITHOUT ROWID;
  `,
  `
  -- A job may now wait for its time (a delay, a retry's backoff) as 'scheduled'. SQLite cannot change
  -- a CHECK in place, so the table is rebuilt (foreign keys are off while migrations run, so the
  -- logs and attempts that reference it stay).
  CREATE TABLE jobs_new (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    params           TEXT NOT NULL,
    priority         INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
    status           TEXT NOT NULL CHECK (status IN ('scheduled', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress         REAL NOT NULL DEFAULT 0,
    progress_message TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    timeout_ms       INTEGER,
    backoff_base_ms  INTEGER NOT NULL,
    backoff_cap_ms   INTEGER NOT NULL,
    run_after        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL,
    result           TEXT,
    error_code       TEXT,
    error_message    TEXT,
    error_detail     TEXT,
    log_seq          INTEGER NOT NULL DEFAULT 0,
    summary          TEXT
  );
  INSERT INTO jobs_new (id, kind, name, params, priority, status, progress, progress_message, attempts, max_attempts, timeout_ms,
                        backoff_base_ms, backoff_cap_ms, run_after, created_at, started_at, finished_at, updated_at, result,
                        error_code, error_message, error_detail, log_seq, summary)
    SELECT id, kind, name, params, priority,
           -- Queued jobs waiting out a backoff are what 'scheduled' now means.
           CASE WHEN status = 'queued' AND run_after > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) THEN 'scheduled' ELSE status END,
           progress, progress_message, attempts, max_attempts, timeout_ms,
           backoff_base_ms, backoff_cap_ms, run_after, created_at, started_at, finished_at, updated_at, result,
           error_code, error_message, error_detail, log_seq, summary
    FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_new RENAME TO jobs;
  CREATE INDEX jobs_ready ON jobs (priority DESC, run_after, id) WHERE status = 'queued';
  CREATE INDEX jobs_by_status ON jobs (status, id);
  CREATE INDEX jobs_by_kind ON jobs (kind, id);
  -- "what comes due next": the engine's timer reads its first row.
  CREATE INDEX jobs_scheduled ON jobs (run_after) WHERE status = 'scheduled';
  `,
  `
  -- Recurring schedules. next_at is the first slot not yet handled: advancing it and recording the
  -- slot's run happen in one transaction with the job's insert, so a slot fires exactly once.
  CREATE TABLE schedules (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    cron             TEXT NOT NULL,
    timezone         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    params           TEXT NOT NULL,
    priority         INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
    max_attempts     INTEGER,
    timeout_ms       INTEGER,
    enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    overlap          TEXT NOT NULL CHECK (overlap IN ('skip', 'queue', 'replace')),
    missed           TEXT NOT NULL CHECK (missed IN ('skip', 'once', 'all')),
    missed_window_ms INTEGER,
    next_at          INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
  );
  CREATE INDEX schedules_due ON schedules (next_at) WHERE enabled = 1;
  -- What each slot came to. job_id has no reference: a job removed by the clean-up leaves the run in the history.
  CREATE TABLE schedule_runs (
    schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    slot        INTEGER NOT NULL,
    fired_at    INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('enqueued', 'waiting', 'skipped')),
    manual      INTEGER NOT NULL DEFAULT 0,
    late        INTEGER NOT NULL DEFAULT 0,
    job_id      TEXT,
    PRIMARY KEY (schedule_id, slot)
  ) WITHOUT ROWID;
  CREATE INDEX schedule_runs_waiting ON schedule_runs (schedule_id, slot) WHERE state = 'waiting';
  CREATE INDEX schedule_runs_job ON schedule_runs (job_id) WHERE job_id IS NOT NULL;
  `,
  `
  -- Watched folders. A file is handed over (its job inserted) in the transaction that records it in
  -- watch_files, keyed by its path (relative to the folder) with the size and modification time it had,
  -- so a crash can neither lose nor double a file, and a file seen again unchanged adds nothing.
  CREATE TABLE watches (
    id              TEXT PRIMARY KEY,
    path            TEXT NOT NULL,
    glob            TEXT NOT NULL,
    recursive       INTEGER NOT NULL CHECK (recursive IN (0, 1)),
    kind            TEXT NOT NULL,
    params_template TEXT NOT NULL,
    priority        INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
    settle_ms       INTEGER NOT NULL,
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  -- job_id is null when the file settled but made no job (problem says why). It has no reference:
  -- a job removed by the clean-up must not make its file look new.
  CREATE TABLE watch_files (
    watch_id TEXT NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    path     TEXT NOT NULL,
    size     INTEGER NOT NULL,
    mtime_ms INTEGER NOT NULL,
    job_id   TEXT,
    problem  TEXT,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (watch_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX watch_files_seen ON watch_files (watch_id, seen_at);
  `,
  `
  -- Lanes (issue 12): every job runs in one, and may take several slots of the limits. A lane with
  -- no row here is open and limited only by the global limit.
  ALTER TABLE jobs ADD COLUMN lane TEXT NOT NULL DEFAULT 'default';
  ALTER TABLE jobs ADD COLUMN slots INTEGER NOT NULL DEFAULT 1 CHECK (slots >= 1);
  CREATE TABLE lanes (
    name        TEXT PRIMARY KEY,
    concurrency INTEGER CHECK (concurrency >= 1),
    paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    updated_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- 'held' (released by hand) joins the statuses, and 'waiting' (for the jobs it depends on) is made
  -- room for, so that one rebuild serves both: SQLite cannot change a CHECK in place.
  CREATE TABLE jobs_new (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    params           TEXT NOT NULL,
    priority         INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
    status           TEXT NOT NULL CHECK (status IN ('held', 'waiting', 'scheduled', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress         REAL NOT NULL DEFAULT 0,
    progress_message TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    timeout_ms       INTEGER,
    backoff_base_ms  INTEGER NOT NULL,
    backoff_cap_ms   INTEGER NOT NULL,
    run_after        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL,
    result           TEXT,
    error_code       TEXT,
    error_message    TEXT,
    error_detail     TEXT,
    log_seq          INTEGER NOT NULL DEFAULT 0,
    summary          TEXT,
    lane             TEXT NOT NULL DEFAULT 'default',
    slots            INTEGER NOT NULL DEFAULT 1 CHECK (slots >= 1)
  );
  INSERT INTO jobs_new SELECT id, kind, name, params, priority, status, progress, progress_message, attempts, max_attempts, timeout_ms,
                              backoff_base_ms, backoff_cap_ms, run_after, created_at, started_at, finished_at, updated_at, result,
                              error_code, error_message, error_detail, log_seq, summary, lane, slots FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_new RENAME TO jobs;
  CREATE INDEX jobs_ready ON jobs (priority DESC, run_after, id) WHERE status = 'queued';
  CREATE INDEX jobs_by_status ON jobs (status, id);
  CREATE INDEX jobs_by_kind ON jobs (kind, id);
  CREATE INDEX jobs_scheduled ON jobs (run_after) WHERE status = 'scheduled';
  `,
  `
  -- Dependencies (issue 12). An edge is settled once its parent has done its part (succeeded, or ended
  -- for a child that runs anyway); deps_waiting counts a job's unsettled edges, and a 'waiting' job is
  -- queued when it reaches nought. parent_id has no reference: a parent removed by the clean-up has
  -- settled all it ever will.
  ALTER TABLE jobs ADD COLUMN deps_total INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN deps_waiting INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN on_dep_failure TEXT NOT NULL DEFAULT 'fail' CHECK (on_dep_failure IN ('fail', 'run', 'hold'));
  CREATE TABLE job_deps (
    job_id    TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    parent_id TEXT NOT NULL,
    settled   INTEGER NOT NULL CHECK (settled IN (0, 1)),
    PRIMARY KEY (job_id, parent_id)
  ) WITHOUT ROWID;
  CREATE INDEX job_deps_parent ON job_deps (parent_id, job_id);
  `,
  `
  -- Keys (issue 12) name the work, so that adding it again while a job with the key is pending or
  -- running dedupes, replaces or debounces. Not unique: a replace while one runs queues a second.
  ALTER TABLE jobs ADD COLUMN key TEXT;
  CREATE INDEX jobs_by_key ON jobs (key) WHERE key IS NOT NULL;
  `,
  `
  -- Schedules and watches name the lane and slots of the jobs they make; a null lane is the kind's own.
  ALTER TABLE schedules ADD COLUMN lane TEXT;
  ALTER TABLE schedules ADD COLUMN slots INTEGER NOT NULL DEFAULT 1 CHECK (slots >= 1);
  ALTER TABLE watches ADD COLUMN lane TEXT;
  ALTER TABLE watches ADD COLUMN slots INTEGER NOT NULL DEFAULT 1 CHECK (slots >= 1);
  `,
  `
  -- Memory limits and resource use (issue 12). max_memory_mb is the job's own limit (its kind may
  -- add one); cpu_ms and peak_rss_bytes are per try, and on the job its last try's.
  ALTER TABLE jobs ADD COLUMN max_memory_mb INTEGER;
  ALTER TABLE jobs ADD COLUMN cpu_ms INTEGER;
  ALTER TABLE jobs ADD COLUMN peak_rss_bytes INTEGER;
  ALTER TABLE job_attempts ADD COLUMN cpu_ms INTEGER;
  ALTER TABLE job_attempts ADD COLUMN peak_rss_bytes INTEGER;
  `,
  `
  -- The queued jobs of given kinds, most urgent first (issue 15): once the CPU-bound slots are full,
  -- I/O-bound kinds are looked for here rather than by walking every queued job in jobs_ready.
  CREATE INDEX jobs_queued_by_kind ON jobs (kind, priority DESC, run_after, id) WHERE status = 'queued';
  `,
]
