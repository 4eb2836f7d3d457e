import type { Watch, WatchState } from '../../shared/watch'
import { laneFields } from './lane-output'
import { displayWidth, fit, formatDuration } from './output'
import { clockTime } from './schedule-output'

/** Watching is all well; scanning is on its way there; the rest say why no file is handed over. */
const STATE_CODES: Record<WatchState, number> = { watching: 32, scanning: 34, disabled: 90, missing: 33, unreadable: 31, not_a_folder: 31 }

export function paintState(state: WatchState, text: string, colour: boolean): string {
  return colour ? `\x1b[${STATE_CODES[state]}m${text}\x1b[0m` : text
}

/** The state and, when there is one, what it means for this folder: "missing: No folder at …; watching starts when it appears". */
export function stateLine(watch: Watch): string {
  return watch.stateMessage === null ? watch.state : `${watch.state}: ${watch.stateMessage}`
}

/** A folder under the home folder as ~/…, the way it is typed. */
export function folderText(path: string, home: string | undefined): string {
  if (home === undefined || home === '' || home === '/') return path
  const trimmed = home.replace(/[\\/]+$/, '')
  if (path === trimmed) return '~'
  return path.startsWith(`${trimmed}/`) || path.startsWith(`${trimmed}\\`) ? `~${path.slice(trimmed.length)}` : path
}

/** Which files: the glob, and whether those in subfolders count. */
export function filesText(watch: Watch): string {
  return watch.recursive ? watch.glob : `${watch.glob} (top level)`
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`

/**
 * Exactly `width` columns, keeping the end when it must be cut: the end of
 * a path says the most ("…/Scans/inbox").
 */
function fitEnd(text: string, width: number): string {
  const chars = [...text.replace(/\p{Cc}+/gu, ' ')]
  if (displayWidth(chars.join('')) <= width) return fit(chars.join(''), width)
  let kept = 0
  let used = 1
  while (kept < chars.length && used + displayWidth(chars[chars.length - 1 - kept]!) <= width) used += displayWidth(chars[chars.length - 1 - kept++]!)
  return fit(`…${chars.slice(chars.length - kept).join('')}`, width)
}

interface Column {
  title: string
  cell: (watch: Watch, home: string | undefined) => string
  /** The widest it grows to. */
  max: number
  /** When the terminal is too narrow, columns go from the highest rank down; 0 stays. */
  rank: number
  align?: 'right' | 'end'
}

/** The folder is kept at least this wide (when it is as long) before other columns go. */
const MIN_FOLDER = 12
const COLUMNS: Column[] = [
  { title: 'ID', max: 26, rank: 0, cell: (w) => w.id },
  { title: 'STATE', max: 12, rank: 0, cell: (w) => w.state },
  { title: 'FOLDER', max: Infinity, rank: 0, align: 'end', cell: (w, home) => folderText(w.path, home) },
  { title: 'GLOB', max: 24, rank: 2, cell: filesText },
  { title: 'KIND', max: 16, rank: 3, cell: (w) => w.kind },
  { title: 'HANDED', max: 8, rank: 1, align: 'right', cell: (w) => String(w.handedOver) },
  { title: 'PENDING', max: 8, rank: 4, align: 'right', cell: (w) => String(w.pendingFiles) },
]
const FOLDER_AT = COLUMNS.findIndex((c) => c.title === 'FOLDER')
const STATE_AT = COLUMNS.findIndex((c) => c.title === 'STATE')

/**
 * The watches as a table at most `columns` wide: the pending count, kind,
 * glob and handed-over count give way in that order, the folder takes what
 * is left (cut at its start), and no row ever wraps. `home` is shown as ~.
 */
export function watchTable(watches: readonly Watch[], options: { columns: number; colour: boolean; home?: string }): string {
  const cells = COLUMNS.map((c) => watches.map((w) => c.cell(w, options.home)))
  const widest = COLUMNS.map((c, i) => Math.min(c.max, Math.max(displayWidth(c.title), ...cells[i]!.map(displayWidth))))
  const least = (i: number): number => (i === FOLDER_AT ? Math.min(widest[i]!, MIN_FOLDER) : widest[i]!)
  const needed = (shown: readonly number[]): number => shown.reduce((sum, i) => sum + least(i), shown.length - 1)
  let shown = COLUMNS.map((_, i) => i)
  for (let rank = Math.max(...COLUMNS.map((c) => c.rank)); rank > 0 && needed(shown) > options.columns; rank--)
    shown = shown.filter((i) => COLUMNS[i]!.rank < rank)
  const spare = Math.max(0, options.columns - needed(shown))
  const width = (i: number): number => (i === FOLDER_AT ? Math.min(widest[i]!, least(i) + spare) : widest[i]!)
  // Narrower than the id, the state and a bit of the folder: each line is cut at the edge, in plain text.
  const cut = needed(shown) > options.columns
  const colour = options.colour && !cut
  const cellText = (i: number, text: string): string => {
    const align = COLUMNS[i]!.align
    if (align === 'right') return displayWidth(text) >= width(i) ? fit(text, width(i)) : text.padStart(width(i))
    return align === 'end' ? fitEnd(text, width(i)) : fit(text, width(i))
  }
  const line = (parts: string[]): string => (cut ? fit(parts.join(' '), options.columns) : parts.join(' ')).trimEnd()
  const header = line(shown.map((i) => (COLUMNS[i]!.align === 'right' ? COLUMNS[i]!.title.padStart(width(i)) : fit(COLUMNS[i]!.title, width(i)))))
  const rows = watches.map((watch, row) =>
    line(
      shown.map((i) => {
        const text = cellText(i, cells[i]![row]!)
        return i === STATE_AT ? paintState(watch.state, text, colour) : text
      }),
    ),
  )
  return [header, ...rows].join('\n')
}

/** A watch in full: what it takes and makes, how it is doing, and the latest it handed over or skipped. */
export function watchDetail(watch: Watch, options: { now: number; colour: boolean }): string {
  const now = new Date(options.now)
  const field = (name: string, value: string): string => `  ${`${name}:`.padEnd(11)} ${value}`
  const skipped = watch.lastSkipped
  return [
    `${watch.path} (${watch.id})`,
    field('state', paintState(watch.state, stateLine(watch), options.colour)),
    field('files', `${watch.glob}, ${watch.recursive ? 'in subfolders too' : 'only those directly in the folder'}`),
    field('kind', watch.kind),
    field('params', JSON.stringify(watch.paramsTemplate)),
    field('priority', watch.priority),
    ...laneFields(watch, field),
    field('settle', `${formatDuration(watch.settleMs)} unchanged before a file’s job is made`),
    field('enabled', watch.enabled ? 'yes' : 'no'),
    field('pending', `${plural(watch.pendingFiles, 'file')} waiting to stay unchanged`),
    field('handed', `${plural(watch.handedOver, 'file')} in the folder handed over as jobs`),
    field('last file', watch.lastFileAt === null ? '—' : clockTime(watch.lastFileAt, now)),
    field('last job', watch.lastJobId ?? '—'),
    field('skipped', skipped === null ? '—' : `${skipped.path} (${clockTime(skipped.at, now)}): ${skipped.message}`),
    field('created', clockTime(watch.createdAt, now)),
  ].join('\n')
}
