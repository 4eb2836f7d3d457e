import { JOB_STATUSES, type JobStatus } from '../../../shared/job'
import { useApp } from '../state/app-store'
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

const TABS = ['all', ...JOB_STATUSES] as const

export function StatusTabs() {
  const counts = useApp((s) => s.stats?.counts)
  const status = useJobs((s) => s.filter.status)
  const setFilter = useJobs((s) => s.setFilter)
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined
  const current = TABS.indexOf(status ?? 'all')
  const choose = (index: number, list: HTMLElement | null): void => {
    const tab = TABS[(index + TABS.length) % TABS.length]!
    setFilter({ status: tab === 'all' ? null : tab })
    list?.querySelector<HTMLElement>(`[data-tab="${tab}"]`)?.focus()
  }
  // One tab stop for the row of tabs; the arrow keys, Home and End move along it (the ARIA tabs pattern).
  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>): void => {
    const moves: Record<string, number> = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: TABS.length - 1 }
    const to = moves[e.key]
    if (to === undefined) return
    e.preventDefault()
    choose(to, e.currentTarget)
  }
  return (
    <nav aria-label="Jobs by status">
      <div className="tabs" role="tablist" aria-label="Jobs by status" onKeyDown={onKeyDown}>
        {TABS.map((tab) => {
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
