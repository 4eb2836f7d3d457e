import { DEFAULT_LANE, type Job, type JobStatus } from '../../shared/job'

/** Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb'
}

const CODES: Record<JobStatus, number> = { held: 35, waiting: 35, scheduled: 36, queued: 90, running: 34, succeeded: 32, failed: 31, cancelled: 33 }

export function paintStatus(status: JobStatus, text: string, colour: boolean): string {
  return colour ? `\x1b[${CODES[status]}m${text}\x1b[0m` : text
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }

/** "90s", "5m", "1h30m", "1500ms" or a plain number of seconds, in milliseconds; null if it isn't one. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|min|s|m|h|d)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) return null
  return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit!]!, 0))
}

/** A time to come, on this machine's clock: "14:30" today, else with its date ("Dec 24, 18:00"). */
export function formatTime(iso: string, now = new Date()): string {
  const at = new Date(iso)
  const time = at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  if (at.toDateString() === now.toDateString()) return time
  return `${at.toLocaleDateString('en-US', { month: 'short', day: 'numeric', ...(at.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}) })}, ${time}`
}

export function jobDuration(job: Job, now: number): number | null {
  if (!job.startedAt) return null
  return Math.max(0, (job.finishedAt ? Date.parse(job.finishedAt) : now) - Date.parse(job.startedAt))
}

function eta(job: Job, now: number): number | null {
  const f = job.progress.fraction
  const ran = jobDuration(job, now)
  if (job.status !== 'running' || ran === null || ran < 1000 || f < 0.02 || f >= 1) return null
  return (ran * (1 - f)) / f
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
}

/** East Asian wide and fullwidth characters, and emoji, take two columns of a terminal. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u

const columnsOf = (char: string): number => (WIDE.test(char) ? 2 : 1)

/** How many columns `text` takes on a terminal. */
export function displayWidth(text: string): number {
  let n = 0
  for (const char of text) n += columnsOf(char)
  return n
}

/**
 * Exactly `width` columns: padded, or cut with an ellipsis. Line breaks and
 * other control characters (a multi-line script as a job's name) become
 * spaces, so a cell never breaks its row.
 */
export function fit(text: string, width: number): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ')
  const total = displayWidth(flat)
  if (total <= width) return flat + ' '.repeat(width - total)
  let out = ''
  let used = 0
  for (const char of flat) {
    if (used + columnsOf(char) > width - 1) break
    out += char
    used += columnsOf(char)
  }
  return `${out}…${' '.repeat(Math.max(0, width - 1 - used))}`
}

interface Column {
  title: string
  /** Columns are dropped from the highest rank down until the rest fit. */
  rank: number
  width: number | 'rest'
  cell: (job: Job, now: number, colour: boolean) => string
  /** Text that carries colour codes is padded before it is painted. */
  paint?: (job: Job, padded: string, colour: boolean) => string
}

const MIN_NAME = 8
const COLUMNS: Column[] = [
  { title: 'ID', rank: 0, width: 26, cell: (j) => j.id },
  { title: 'STATUS', rank: 0, width: 9, cell: (j) => j.status, paint: (j, text, colour) => paintStatus(j.status, text, colour) },
  { title: 'NAME', rank: 0, width: 'rest', cell: (j) => j.name },
  { title: 'LANE', rank: 3, width: 10, cell: (j) => j.lane },
  {
    title: 'PROGRESS',
    rank: 2,
    width: 15,
    // A scheduled job has no progress yet: when it runs instead.
    cell: (j, now) =>
      j.status === 'scheduled'
        ? `at ${formatTime(j.runAfter, new Date(now))}`
        : `${bar(j.progress.fraction, 10)} ${String(Math.round(j.progress.fraction * 100)).padStart(3)}%`,
  },
  { title: '%', rank: 1, width: 4, cell: (j) => `${Math.round(j.progress.fraction * 100)}%` },
  // For a scheduled job, the time until it is due.
  { title: 'ETA', rank: 4, width: 7, cell: (j, now) => formatDuration(j.status === 'scheduled' ? Date.parse(j.runAfter) - now : eta(j, now)) },
  { title: 'TRIES', rank: 3, width: 5, cell: (j) => `${j.attempts}/${j.maxAttempts}` },
  { title: 'TIME', rank: 3, width: 7, cell: (j, now) => formatDuration(jobDuration(j, now)) },
]

/**
 * The jobs as a table exactly `columns` wide at most: columns give way in
 * rank order (the bar before the bare percentage), the name takes what is
 * left, and no row ever wraps.
 */
export function jobTable(jobs: readonly Job[], options: { columns: number; now: number; colour: boolean }): string {
  const fixed = (cols: Column[]): number => cols.reduce((sum, c) => sum + (c.width === 'rest' ? MIN_NAME : c.width) + 1, -1)
  // Lanes are worth a column only where some job is out of the default one.
  const lanes = jobs.some((j) => j.lane !== DEFAULT_LANE)
  let shown = COLUMNS.filter((c) => c.title !== '%' && (lanes || c.title !== 'LANE'))
  for (const rank of [4, 3, 2]) {
    if (fixed(shown) <= options.columns) break
    shown = shown.filter((c) => c.rank < rank)
    // Without room for the bar, the percentage alone.
    if (rank === 2) shown.push(COLUMNS.find((c) => c.title === '%')!)
  }
  if (fixed(shown) > options.columns) shown = shown.filter((c) => c.title !== '%')
  const nameWidth = Math.max(MIN_NAME, options.columns - fixed(shown) + MIN_NAME)
  const width = (c: Column): number => (c.width === 'rest' ? nameWidth : c.width)
  // Narrower than the id, status and a bit of name: every line is cut at the edge, in plain text.
  const tooNarrow = fixed(shown) > options.columns
  const colour = options.colour && !tooNarrow
  const line = (cells: string[]): string => (tooNarrow ? fit(cells.join(' '), options.columns) : cells.join(' ')).trimEnd()
  const head = line(shown.map((c) => fit(c.title, width(c))))
  const rows = jobs.map((job) =>
    line(
      shown.map((c) => {
        const padded = fit(c.cell(job, options.now, colour), width(c))
        return c.paint ? c.paint(job, padded, colour) : padded
      }),
    ),
  )
  return [head, ...rows].join('\n')
}
