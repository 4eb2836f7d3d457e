import { useId } from 'react'
import type { Job } from '../../../shared/job'
import { MAX_DEPENDENCIES } from '../../../shared/vocabulary'
import { useJobs } from '../state/jobs-store'

/** Relatives drawn on each side; the rest are counted. Each is a tab stop, and past a dozen the drawing is a wall. */
const MAX_DRAWN = 12

interface Side {
  drawn: readonly Job[]
  /** Relatives that exist but are not drawn. */
  hidden: number
  /** The server lists at most MAX_DEPENDENCIES: there may be more than it said. */
  atLeast: boolean
  /** Parents the clean-up has removed since: the job still counts them. */
  removed: number
}

/**
 * The job between the jobs it waits for (left) and those waiting for it
 * (right), each a button that opens that job. Left to right rather than in
 * stacked rows: the pane is narrow, and one relative a line gives every name
 * room and every edge its own path, with nothing to measure.
 */
export function DependencyGraph({
  job,
  parents,
  children,
  onOpen,
}: {
  job: Job
  parents: readonly Job[]
  children: readonly Job[]
  onOpen: (relative: Job) => void
}) {
  const left = side(parents, false, Math.max(0, job.dependsOn - parents.length))
  const right = side(children, children.length >= MAX_DEPENDENCIES, 0)
  const leftRows = rowsOf(left)
  const rightRows = rowsOf(right)
  const rows = Math.max(leftRows, rightRows, 1)
  const columns = [leftRows > 0 && 'minmax(0, 1fr) 28px', 'minmax(0, 1fr)', rightRows > 0 && '28px minmax(0, 1fr)'].filter(Boolean).join(' ')
  const leftLabel = useId()
  const rightLabel = useId()
  return (
    <div className="dep-graph" style={{ gridTemplateColumns: columns }}>
      {leftRows > 0 && (
        <>
          <h4 id={leftLabel} className="dep-label">
            Waits for
          </h4>
          <span />
        </>
      )}
      <h4 className="dep-label">This job</h4>
      {rightRows > 0 && (
        <>
          <span />
          <h4 id={rightLabel} className="dep-label">
            Needed by
          </h4>
        </>
      )}
      {leftRows > 0 && (
        <>
          <Column side={left} relation="parent" labelledBy={leftLabel} onOpen={onOpen} />
          <Edges side={left} rows={rows} from="side" />
        </>
      )}
      <div className="dep-column">
        <div className={`dep-node current ${job.status}`}>
          <span className="dep-name" title={job.name}>
            {job.name}
          </span>{' '}
          <span className="dep-status">{job.status}</span>
        </div>
      </div>
      {rightRows > 0 && (
        <>
          <Edges side={right} rows={rows} from="job" />
          <Column side={right} relation="child" labelledBy={rightLabel} onOpen={onOpen} />
        </>
      )}
    </div>
  )
}

function side(jobs: readonly Job[], atLeast: boolean, removed: number): Side {
  return { drawn: jobs.slice(0, MAX_DRAWN), hidden: Math.max(0, jobs.length - MAX_DRAWN), atLeast, removed }
}

/** One line a relative drawn, and one for the count of the rest. */
function rowsOf(s: Side): number {
  return s.drawn.length + (s.hidden > 0 || s.removed > 0 ? 1 : 0)
}

function restText(s: Side): string {
  const more = s.hidden > 0 ? `${s.atLeast ? 'at least ' : ''}${s.hidden.toLocaleString()} more` : ''
  const removed = s.removed > 0 ? `${s.removed.toLocaleString()} since removed` : ''
  return `and ${[more, removed].filter(Boolean).join(', ')}`
}

function Column({ side: s, relation, labelledBy, onOpen }: { side: Side; relation: 'parent' | 'child'; labelledBy: string; onOpen: (relative: Job) => void }) {
  return (
    <ul className="dep-column" aria-labelledby={labelledBy}>
      {s.drawn.map((relative) => (
        <li key={relative.id}>
          <Relative job={relative} relation={relation} onOpen={onOpen} />
        </li>
      ))}
      {rowsOf(s) > s.drawn.length && <li className="dep-rest">{restText(s)}</li>}
    </ul>
  )
}

function Relative({ job, relation, onOpen }: { job: Job; relation: 'parent' | 'child'; onOpen: (relative: Job) => void }) {
  // A relative on screen in the list gets its events; one that is not keeps the status it was fetched with until the next fetch.
  const status = useJobs((s) => s.byId[job.id]?.status) ?? job.status
  return (
    <button type="button" className={`dep-node ${status}`} aria-label={`${relation}: ${job.name}, ${status}`} title={job.name} onClick={() => onOpen(job)}>
      {/* A real space between the two: voice control matches the words on screen, as words, against the aria-label. */}
      <span className="dep-name">{job.name}</span> <span className="dep-status">{status}</span>
    </button>
  )
}

/**
 * The lines between a column and the job, in row units (each row one
 * relative): the drawing stretches to the column's height, and the strokes
 * keep their width whatever the stretch.
 */
function Edges({ side: s, rows, from }: { side: Side; rows: number; from: 'side' | 'job' }) {
  const count = rowsOf(s)
  const first = (rows - count) / 2
  const centre = rows / 2
  const edge = (y: number): string => (from === 'side' ? `M0 ${y} C0.5 ${y} 0.5 ${centre} 1 ${centre}` : `M0 ${centre} C0.5 ${centre} 0.5 ${y} 1 ${y}`)
  return (
    <div className="dep-edges" aria-hidden="true">
      <svg viewBox={`0 0 1 ${rows}`} preserveAspectRatio="none">
        {s.drawn.map((relative, i) => (
          <path key={relative.id} d={edge(first + i + 0.5)} vectorEffect="non-scaling-stroke" />
        ))}
        {count > s.drawn.length && <path className="rest" d={edge(first + s.drawn.length + 0.5)} vectorEffect="non-scaling-stroke" />}
      </svg>
    </div>
  )
}
