import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef } from 'react'
import { useTransport } from '../context'
import { PAGE_SIZE, useJobs } from '../state/jobs-store'
import { EmptyState } from './EmptyState'
import { JobRow } from './JobRow'

const ROW_HEIGHT = 44

/** The jobs, virtualized: only visible rows exist, and only their pages are loaded. */
export function JobList({ onNewJob }: { onNewJob: () => void }) {
  const { loader } = useTransport()
  const total = useJobs((s) => s.total)
  const filter = useJobs((s) => s.filter)
  const pages = useJobs((s) => s.pages)
  const focusIndex = useJobs((s) => s.focusIndex)
  const scroller = useRef<HTMLDivElement>(null)
  const virtualizer = useVirtualizer({ count: total ?? 0, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 10 })
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index ?? 0
  const last = items.at(-1)?.index ?? 0
  // Scrolled away from the row Tab would land on: the first row on screen takes the tab stop, so the list is never skipped.
  const tabStop = focusIndex >= first && focusIndex <= last ? focusIndex : first

  useEffect(() => loader.show(first, last), [loader, first, last, filter])
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 })
    loader.show(0, 0)
  }, [loader, filter])

  // The scroll element stays mounted even when empty: the virtualizer measures it once, at mount.
  return (
    <div className="list" role="grid" aria-label="Jobs" aria-rowcount={total ?? undefined}>
      <div className="list-head" role="row">
        <span role="columnheader" className="col-select">
          <SelectAll />
        </span>
        <span role="columnheader" className="col-name">
          Name
        </span>
        <span role="columnheader" className="col-status">
          Status
        </span>
        <span role="columnheader" className="col-progress">
          Progress
        </span>
        <span role="columnheader" className="col-attempts">
          Tries
        </span>
        <span role="columnheader" className="col-created">
          Created
        </span>
        <span role="columnheader" className="col-duration">
          Duration
        </span>
        <span role="columnheader" className="col-usage" title="CPU and memory: live while a job runs, else its last try's CPU time and peak">
          CPU · RAM
        </span>
      </div>
      <div className="list-body" ref={scroller} data-testid="job-list">
        {total === 0 && <EmptyState status={filter.status} filtered={filter.kind !== null || filter.q !== ''} onNewJob={onNewJob} />}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const id = pages[Math.floor(item.index / PAGE_SIZE)]?.[item.index % PAGE_SIZE]
            // Keyed by job, not position: a row's element never shows another job, so its bar never slides from that job's value.
            return (
              <div key={id ?? `slot-${item.index}`} className="row-slot" style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}>
                {id ? (
                  <JobRow id={id} index={item.index} tabbable={item.index === tabStop} />
                ) : (
                  <div className="row placeholder" role="row" aria-rowindex={item.index + 1} />
                )}
              </div>
            )
          })}
        </div>
      </div>
    </div>
  )
}

/** The header's checkbox: selects the loaded rows (the bar then offers every matching job), or clears the selection. */
function SelectAll() {
  const some = useJobs((s) => s.selected.size > 0)
  const loaded = useJobs((s) => Object.values(s.pages).reduce((n, page) => n + page.length, 0))
  const all = useJobs((s) => s.allMatching || (loaded > 0 && Object.values(s.pages).every((page) => page.every((id) => s.selected.has(id)))))
  const selectAll = useJobs((s) => s.selectAll)
  const selectOnly = useJobs((s) => s.selectOnly)
  const box = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (box.current) box.current.indeterminate = some && !all
  }, [some, all])
  return (
    <input
      ref={box}
      type="checkbox"
      aria-label="Select all jobs shown"
      checked={all}
      disabled={loaded === 0}
      onChange={() => (some ? selectOnly([]) : selectAll(false))}
    />
  )
}
