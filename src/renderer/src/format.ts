import type { Job, JobUsage } from '../../shared/job'

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—'
  const date = new Date(iso)
  const today = new Date().toDateString() === date.toDateString()
  return today ? date.toLocaleTimeString() : date.toLocaleString()
}

/** When a scheduled job is due: "runs at 14:30:00 · in 2 h 5 min" ("retries" between tries), or "runs now". */
export function dueText(job: Job, now: number): string {
  const verb = job.attempts > 0 ? 'retries' : 'runs'
  const wait = Date.parse(job.runAfter) - now
  return wait > 1000 ? `${verb} at ${formatTime(job.runAfter)} · in ${formatDuration(wait)}` : `${verb} now`
}

/** Less than this run, and the pace says too little to guess what is left. */
const ETA_AFTER_MS = 1000

/**
 * How long the job ran (or has run so far). Never negative: the panel's clock
 * may lag the server's by a moment (a job that just started) or more (a
 * server on another machine).
 */
export function jobDuration(job: Job, now: number): number | null {
  if (!job.startedAt) return null
  return Math.max(0, (job.finishedAt ? Date.parse(job.finishedAt) : now) - Date.parse(job.startedAt))
}

/** Time left, from the pace so far; null until there is enough progress and time to judge. */
export function eta(job: Job, now: number): number | null {
  const f = job.progress.fraction
  if (job.status !== 'running' || f < 0.02 || f >= 1) return null
  const elapsed = jobDuration(job, now)
  if (elapsed === null || elapsed < ETA_AFTER_MS) return null
  return (elapsed * (1 - f)) / f
}

/** "840 KB", "12 MB", "1.4 GB": memory as people read it (binary units, as task managers count). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

/**
 * What a job takes, short enough for a column: live CPU and memory while it
 * runs ("35% · 120 MB"), else its last try's CPU time and peak memory
 * ("1.2 s · 240 MB"); null when it never ran or nothing was measured.
 */
export function usageText(usage: JobUsage | null): string | null {
  if (!usage) return null
  if (usage.cpuPercent !== null && usage.rssBytes !== null) return `${Math.round(usage.cpuPercent)}% · ${formatBytes(usage.rssBytes)}`
  return `${formatDuration(usage.cpuMs)} · ${formatBytes(usage.peakRssBytes)}`
}

/** The same, in words, for a tooltip and for screen readers. */
export function usageTitle(usage: JobUsage | null): string {
  if (!usage) return 'Not measured'
  if (usage.cpuPercent !== null && usage.rssBytes !== null)
    return `Now: CPU ${Math.round(usage.cpuPercent)}% (100% is one core), memory ${formatBytes(usage.rssBytes)}; so far CPU time ${formatDuration(usage.cpuMs)}, peak memory ${formatBytes(usage.peakRssBytes)}`
  return `Last try: CPU time ${formatDuration(usage.cpuMs)}, peak memory ${formatBytes(usage.peakRssBytes)}`
}
