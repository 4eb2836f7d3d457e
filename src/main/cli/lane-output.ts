import { DEFAULT_LANE, type Job } from '../../shared/job'
import type { Lane } from '../../shared/lane'
import { displayWidth, fit } from './output'

/** A paused lane stands out, as a paused queue would; an open one needs no colour. */
export function paintLaneState(lane: Lane, text: string, colour: boolean): string {
  return colour && lane.paused ? `\x1b[33m${text}\x1b[0m` : text
}

/** The lane's own limit in slots, "—" when it has none (only the global limit holds). */
export const limitText = (lane: Lane): string => (lane.concurrency === null ? '—' : String(lane.concurrency))

export const stateText = (lane: Lane): string => (lane.paused ? 'paused' : 'open')

const plural = (n: number, one: string): string => `${n.toLocaleString('en')} ${one}${n === 1 ? '' : 's'}`

/** Where a new job runs, when it is worth saying: " in lane encode, taking 4 slots"; "" for one slot of the default lane. */
export function placement(job: Pick<Job, 'lane' | 'slots'>): string {
  const lane = job.lane === DEFAULT_LANE ? '' : ` in lane ${job.lane}`
  const slots = job.slots > 1 ? `, taking ${job.slots} slots` : ''
  return `${lane}${slots}`
}

/** A schedule's or watch's `lane:` and `slots:` lines, each only when it is not the default (the kind's lane, one slot). */
export function laneFields(maker: { lane: string | null; slots: number }, field: (name: string, value: string) => string): string[] {
  return [...(maker.lane === null ? [] : [field('lane', maker.lane)]), ...(maker.slots > 1 ? [field('slots', String(maker.slots))] : [])]
}

interface Column {
  title: string
  cell: (lane: Lane) => string
  align?: 'right'
}

const COLUMNS: Column[] = [
  { title: 'LANE', cell: (l) => l.name },
  { title: 'LIMIT', cell: limitText, align: 'right' },
  { title: 'STATE', cell: stateText },
  { title: 'RUNNING', cell: (l) => l.running.toLocaleString('en'), align: 'right' },
  { title: 'QUEUED', cell: (l) => l.queued.toLocaleString('en'), align: 'right' },
  { title: 'IN USE', cell: (l) => l.slotsInUse.toLocaleString('en'), align: 'right' },
]
const NAME_AT = 0
const STATE_AT = COLUMNS.findIndex((c) => c.title === 'STATE')
/** The lane's name is kept at least this wide (when it is as long) before every line is cut at the edge. */
const MIN_NAME = 8

/**
 * The lanes as a table at most `columns` wide: each column as wide as its
 * widest cell, the name giving way first (cut with an ellipsis), and no row
 * ever wraps.
 */
export function laneTable(lanes: readonly Lane[], options: { columns: number; colour: boolean }): string {
  const cells = COLUMNS.map((c) => lanes.map((l) => c.cell(l)))
  const natural = COLUMNS.map((c, i) => Math.max(displayWidth(c.title), ...cells[i]!.map(displayWidth)))
  const others = natural.reduce((sum, w, i) => (i === NAME_AT ? sum : sum + w + 1), 0)
  const leastName = Math.min(natural[NAME_AT]!, MIN_NAME)
  const nameWidth = Math.max(leastName, Math.min(natural[NAME_AT]!, options.columns - others))
  const width = (i: number): number => (i === NAME_AT ? nameWidth : natural[i]!)
  // Narrower than a bit of the name and the numbers: each line is cut at the edge, in plain text.
  const cut = leastName + others > options.columns
  const colour = options.colour && !cut
  const cellText = (i: number, text: string): string =>
    COLUMNS[i]!.align === 'right' && displayWidth(text) < width(i) ? text.padStart(width(i)) : fit(text, width(i))
  const line = (parts: string[]): string => (cut ? fit(parts.join(' '), options.columns) : parts.join(' ')).trimEnd()
  const header = line(COLUMNS.map((c, i) => cellText(i, c.title)))
  const rows = lanes.map((lane, row) =>
    line(
      COLUMNS.map((_, i) => {
        const text = cellText(i, cells[i]![row]!)
        return i === STATE_AT ? paintLaneState(lane, text, colour) : text
      }),
    ),
  )
  return [header, ...rows].join('\n')
}

/** What the lane's limit means, in words. */
export function limitLine(lane: Lane): string {
  return lane.concurrency === null ? 'none of its own; only the global limit holds' : `${plural(lane.concurrency, 'slot')} at once, inside the global limit`
}

/** What the lane's state means, in words. */
export function stateLine(lane: Lane): string {
  return lane.paused ? 'paused: nothing new in it starts; what runs goes on' : 'open'
}

/** A lane in full: its limit and state in words, and what its jobs take now. */
export function laneDetail(lane: Lane, options: { colour: boolean }): string {
  const field = (name: string, value: string): string => `  ${`${name}:`.padEnd(8)} ${value}`
  return [
    lane.name,
    field('limit', limitLine(lane)),
    field('state', paintLaneState(lane, stateLine(lane), options.colour)),
    field('running', `${plural(lane.running, 'job')}, taking ${plural(lane.slotsInUse, 'slot')}`),
    field('queued', plural(lane.queued, 'job')),
  ].join('\n')
}
