import type { Job, JobStatus } from '../../shared/job'

/** Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org). */
export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb'
}

const CODES: Record<JobStatus, number> = { queued: 90, running: 34, succeeded: 32, failed: 31, cancelled: 33 }

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

/** Cut to `width` characters (code points), with an ellipsis when something was cut. */
function fit(text: string, width: number): string {
  const chars = [...text]
  return chars.length <= width ? text + ' '.repeat(width - chars.length) : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`
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
  { title: 'PROGRESS', rank: 2, width: 15, cell: (j) => `${bar(j.progress.fraction, 10)} ${String(Math.round(j.progress.fraction * 100)).padStart(3)}%` },
  { title: '%', rank: 1, width: 4, cell: (j) => `${Math.round(j.progress.fraction * 100)}%` },
  { title: 'ETA', rank: 4, width: 7, cell: (j, now) => formatDuration(eta(j, now)) },
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
  let shown = COLUMNS.filter((c) => c.title !== '%')
  for (const rank of [4, 3, 2]) {
    if (fixed(shown) <= options.columns) break
    shown = shown.filter((c) => c.rank < rank)
    // Without room for the bar, the percentage alone.
    if (rank === 2) shown.push(COLUMNS.find((c) => c.title === '%')!)
  }
  if (fixed(shown) > options.columns) shown = shown.filter((c) => c.title !== '%')
  const nameWidth = Math.max(MIN_NAME, options.columns - fixed(shown) + MIN_NAME)
  const width = (c: Column): number => (c.width === 'rest' ? nameWidth : c.width)
  const line = (cells: string[]): string => cells.join(' ').trimEnd()
  const head = line(shown.map((c) => fit(c.title, width(c))))
  const rows = jobs.map((job) =>
    line(
      shown.map((c) => {
        const padded = fit(c.cell(job, options.now, options.colour), width(c))
        return c.paint ? c.paint(job, padded, options.colour) : padded
      }),
    ),
  )
  return [head, ...rows].join('\n')
}
