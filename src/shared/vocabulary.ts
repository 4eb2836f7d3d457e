/**
 * The contract's names and bounds as plain values, free of zod: the panel
 * imports them from here (its lint rule says so), so it never loads the
 * schemas; the schema modules use and re-export them.
 */

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
export const JOB_STATUSES = ['held', 'waiting', 'scheduled', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const

export const MAX_DEPENDENCIES = 1000
/** The most jobs (slots) Offload runs at once, and so the most slots one job may take. */
export const MAX_CONCURRENCY = 64
/** Every job runs in a lane; one not named runs here, with no limit of its own. */
export const DEFAULT_LANE = 'default'
/** Ten days: longer than any sane single attempt, short enough to catch unit mistakes (seconds for ms). */
export const MAX_TIMEOUT_MS = 10 * 24 * 3600 * 1000
export const MAX_ATTEMPTS = 100

export const THROUGHPUT_BUCKET_SECONDS = 10
export const STATS_RANGE_NAMES = ['1h', '24h', '7d'] as const
/** How far back a stats report looks, and how wide its throughput buckets are. */
export const STATS_RANGES: Record<(typeof STATS_RANGE_NAMES)[number], { seconds: number; bucketSeconds: number }> = {
  '1h': { seconds: 3600, bucketSeconds: 60 },
  '24h': { seconds: 86_400, bucketSeconds: 900 },
  '7d': { seconds: 604_800, bucketSeconds: 3600 },
}

export const MAX_KEEP_DAYS = 3650
export const MAX_KEEP_JOBS = 10_000_000
/** 1 TiB: a value beyond it is a typo, refused rather than holding every job back for good. */
export const MAX_MIN_FREE_MEMORY_MB = 1_048_576
export const MAX_IO_OVERCOMMIT = 8

export const OVERLAP_POLICIES = ['skip', 'queue', 'replace'] as const
export const MISSED_POLICIES = ['skip', 'once', 'all'] as const
export const MAX_MISSED_WINDOW_MS = 366 * 24 * 3600 * 1000

export const MIN_SETTLE_MS = 100
export const MAX_SETTLE_MS = 10 * 60_000

/** Sunday first, as in cron and Date.getDay(). */
export const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
