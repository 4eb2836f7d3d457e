import type { JobStatus } from '../../../shared/job'
import { JOB_STATUSES } from '../../../shared/vocabulary'
import { useApp, useSupports } from '../state/app-store'
import { useJobs } from '../state/jobs-store'

const LABELS: Record<JobStatus | 'all', string> = {
  all: 'All',
  held: 'Held',
  waiting: 'Waiting',
  scheduled: 'Scheduled',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

const ALL_TABS = ['all', ...JOB_STATUSES] as const

export function StatusTabs() {
  const counts = useApp((s) => s.stats?.counts)
  const status = useJobs((s) => s.filter.status)
  const setFilter = useJobs((s) => s.setFilter)
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined
  // A backend without holds or dependencies never has jobs held or waiting: no tabs for them.
  const holds = useSupports('hold')
  const depends = useSupports('dependencies')
  const tabs = ALL_TABS.filter((tab) => (tab !== 'held' || holds) && (tab !== 'waiting' || depends))
  const current = tabs.indexOf(status ?? 'all')
  const choose = (index: number, list: HTMLElement | null): void => {
    const tab = tabs[(index + tabs.length) % tabs.length]!
    setFilter({ status: tab === 'all' ? null : tab })
    list?.querySelector<HTMLElement>(`[data-tab="${tab}"]`)?.focus()
  }
  // One tab stop for the row of tabs; the arrow keys, Home and End move along it (the ARIA tabs pattern).
  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: tabs.length - 1 }
    const to = moves[e.key]
    if (to === undefined) return
    e.preventDefault()
    choose(to, e.currentTarget)
  }
  return (
    <nav aria-label="Jobs by status">
      <div className="tabs" role="tablist" aria-label="Jobs by status" onKeyDown={onKeyDown}>
        {tabs.map((tab) => {
          const selected = (status ?? 'all') === tab
          const count = tab === 'all' ? total : counts?.[tab]
          return (
            <button
              key={tab}
              type="button"
              role="tab"
              data-tab={tab}
              aria-selected={selected}
              tabIndex={selected ? 0 : -1}
              className={`tab ${tab}`}
              onClick={() => setFilter({ status: tab === 'all' ? null : tab })}
            >
              {LABELS[tab]} <span className="count">{count?.toLocaleString() ?? '–'}</span>
            </button>
          )
        })}
      </div>
    </nav>
  )
}
