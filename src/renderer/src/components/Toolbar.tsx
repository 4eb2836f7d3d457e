import { useEffect, useRef, useState } from 'react'
import { PRIORITIES, type Priority } from '../../../shared/job'
import { useApp } from '../state/app-store'
import { useJobs } from '../state/jobs-store'
import { useAction } from '../use-action'

export function Toolbar({ searchRef }: { searchRef: React.RefObject<HTMLInputElement | null> }) {
  const filter = useJobs((s) => s.filter)
  const setFilter = useJobs((s) => s.setFilter)
  const kinds = useApp((s) => s.kinds)
  const selected = useJobs((s) => s.selected)
  const selectOnly = useJobs((s) => s.selectOnly)
  const act = useAction()
  const [query, setQuery] = useState(filter.q)
  const debounce = useRef<ReturnType<typeof setTimeout>>(undefined)

  useEffect(() => {
    clearTimeout(debounce.current)
    debounce.current = setTimeout(() => {
      if (query !== useJobs.getState().filter.q) setFilter({ q: query })
    }, 250)
    return () => clearTimeout(debounce.current)
  }, [query, setFilter])

  const ids = [...selected]
  const bulk = (label: string, run: Parameters<typeof act>[0]): void => {
    void act(run, label).then(() => selectOnly([]))
  }
  return (
    <div className="toolbar" role="region" aria-label="Filters and actions">
      {ids.length > 0 ? (
        <div className="bulk" role="toolbar" aria-label="Selected jobs">
          <span>{ids.length} selected</span>
          <button type="button" onClick={() => bulk(`Cancelled ${ids.length}`, (api) => api.cancelJobs({ ids }))}>
            Cancel
          </button>
          <button type="button" onClick={() => bulk(`Retrying ${ids.length}`, (api) => api.retryJobs({ ids }))}>
            Retry
          </button>
          <button type="button" onClick={() => bulk(`Removed ${ids.length}`, (api) => api.removeJobs({ ids }))}>
            Remove
          </button>
          <label>
            Priority
            <select
              aria-label="Change priority of the selected jobs"
              value=""
              onChange={(e) => bulk('Priority changed', (api) => api.setPriority({ ids, priority: e.target.value as Priority }))}
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
          <button type="button" className="link" onClick={() => selectOnly([])}>
            Clear selection
          </button>
        </div>
      ) : (
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
        </div>
      )}
    </div>
  )
}
