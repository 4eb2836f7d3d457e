import { JOB_STATUSES, type JobStatus } from '../../../shared/job'
import { useApp } from '../state/app-store'
import { useJobs } from '../state/jobs-store'

const LABELS: Record<JobStatus | 'all', string> = {
  all: 'All',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

export function StatusTabs() {
  const counts = useApp((s) => s.stats?.counts)
  const status = useJobs((s) => s.filter.status)
  const setFilter = useJobs((s) => s.setFilter)
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : undefined
  return (
    <nav className="tabs" role="tablist" aria-label="Jobs by status">
      {(['all', ...JOB_STATUSES] as const).map((tab) => {
        const selected = (status ?? 'all') === tab
        const count = tab === 'all' ? total : counts?.[tab]
        return (
          <button
            key={tab}
            type="button"
            role="tab"
            aria-selected={selected}
            className={`tab ${tab}`}
            onClick={() => setFilter({ status: tab === 'all' ? null : tab })}
          >
            {LABELS[tab]} <span className="count">{count?.toLocaleString() ?? '–'}</span>
          </button>
        )
      })}
    </nav>
  )
}
