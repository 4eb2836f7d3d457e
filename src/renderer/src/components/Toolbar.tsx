import { useEffect, useRef, useState } from 'react'
import type { JobFilter, Priority } from '../../../shared/job'
import { PRIORITIES } from '../../../shared/vocabulary'
import { useApp } from '../state/app-store'
import { toJobFilter, useJobs } from '../state/jobs-store'
import { useAction } from '../use-action'
import { focusList } from '../focus'
import { ClearFinishedDialog } from './ClearFinishedDialog'
import { Dialog } from './Dialog'

export function Toolbar({ searchRef }: { searchRef: React.RefObject<HTMLInputElement | null> }) {
  const selected = useJobs((s) => s.selected)
  return (
    <div className="toolbar" role="region" aria-label="Filters and actions">
      {selected.size > 0 ? <BulkBar /> : <Filters searchRef={searchRef} />}
    </div>
  )
}

/** What a bulk action acts on: the ids selected, or, with everything matching selected, the filter itself. */
type Target = { ids: string[] } | { filter: JobFilter }

function BulkBar() {
  const selected = useJobs((s) => s.selected)
  const allMatching = useJobs((s) => s.allMatching)
  const total = useJobs((s) => s.total)
  const filter = useJobs((s) => s.filter)
  const selectAll = useJobs((s) => s.selectAll)
  const selectOnly = useJobs((s) => s.selectOnly)
  const act = useAction()
  const target: Target = allMatching ? { filter: toJobFilter(filter) } : { ids: [...selected] }
  const count = allMatching ? (total ?? selected.size) : selected.size
  const [confirming, setConfirming] = useState(false)
  // The bar goes with the selection: focus moves to the list, not to the page's body.
  const done = (): void => {
    selectOnly([])
    requestAnimationFrame(focusList)
  }
  const bulk = (verb: string, run: Parameters<typeof act>[0]): void => {
    void act(run, verb).then(done)
  }
  return (
    <div className="bulk" role="toolbar" aria-label="Selected jobs">
      <span aria-live="polite">{allMatching ? `All ${count.toLocaleString()} matching jobs selected` : `${count.toLocaleString()} selected`}</span>
      {!allMatching && total !== null && total > selected.size && (
        <button type="button" className="link" onClick={() => selectAll(true)}>
          Select all {total.toLocaleString()} matching
        </button>
      )}
      <button type="button" onClick={() => bulk('Cancelled', (api) => api.cancelJobs(target))}>
        Cancel
      </button>
      <button type="button" onClick={() => bulk('Retried', (api) => api.retryJobs(target))}>
        Retry
      </button>
      <button type="button" onClick={() => bulk('Released', (api) => api.releaseJobs(target))}>
        Release
      </button>
      <button type="button" onClick={() => (allMatching ? setConfirming(true) : bulk('Removed', (api) => api.removeJobs(target)))}>
        Remove
      </button>
      {confirming && (
        <Dialog title={`Remove all ${count.toLocaleString()} matching jobs?`} onClose={() => setConfirming(false)}>
          <p>Their logs and results go with them, and cannot be brought back. Running jobs are not removed (cancel them first).</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setConfirming(false)}>
              Keep them
            </button>
            <button type="button" className="danger" onClick={() => bulk('Removed', (api) => api.removeJobs(target))}>
              Remove {count.toLocaleString()} jobs
            </button>
          </div>
        </Dialog>
      )}
      <label>
        Priority
        <select
          aria-label="Change priority of the selected jobs"
          value=""
          onChange={(e) => bulk('Changed the priority of', (api) => api.setPriority({ ...target, priority: e.target.value as Priority }))}
        >
          <option value="" disabled>
            set…
          </option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="link" onClick={done}>
        Clear selection
      </button>
    </div>
  )
}

function Filters({ searchRef }: { searchRef: React.RefObject<HTMLInputElement | null> }) {
  const filter = useJobs((s) => s.filter)
  const setFilter = useJobs((s) => s.setFilter)
  const kinds = useApp((s) => s.kinds)
  const counts = useApp((s) => s.stats?.counts)
  const act = useAction()
  const [query, setQuery] = useState(filter.q)
  const [clearing, setClearing] = useState(false)
  const debounce = useRef<ReturnType<typeof setTimeout>>(undefined)

  useEffect(() => {
    clearTimeout(debounce.current)
    debounce.current = setTimeout(() => {
      if (query !== useJobs.getState().filter.q) setFilter({ q: query })
    }, 250)
    return () => clearTimeout(debounce.current)
  }, [query, setFilter])

  const failed = counts?.failed ?? 0
  const held = counts?.held ?? 0
  const finished = counts ? counts.succeeded + counts.failed + counts.cancelled : 0
  return (
    <div className="filters">
      <input
        ref={searchRef}
        type="search"
        placeholder="Search names  ( / )"
        aria-label="Search jobs by name"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <select aria-label="Filter by kind" value={filter.kind ?? ''} onChange={(e) => setFilter({ kind: e.target.value || null })}>
        <option value="">All kinds</option>
        {kinds.map((k) => (
          <option key={k.name} value={k.name}>
            {k.name}
          </option>
        ))}
      </select>
      <select aria-label="Sort" value={filter.sort} onChange={(e) => setFilter({ sort: e.target.value as 'newest' | 'oldest' })}>
        <option value="newest">Newest first</option>
        <option value="oldest">Oldest first</option>
      </select>
      <span className="filters-gap" />
      {held > 0 && (
        <button type="button" onClick={() => void act((api) => api.releaseJobs({ filter: { status: 'held' } }), 'Released')}>
          Release all held ({held.toLocaleString()})
        </button>
      )}
      {failed > 0 && (
        <button type="button" onClick={() => void act((api) => api.retryJobs({ filter: { status: 'failed' } }), 'Retried')}>
          Retry all failed ({failed.toLocaleString()})
        </button>
      )}
      {finished > 0 && (
        <button type="button" onClick={() => setClearing(true)}>
          Clear finished…
        </button>
      )}
      {clearing && <ClearFinishedDialog onClose={() => setClearing(false)} />}
    </div>
  )
}
