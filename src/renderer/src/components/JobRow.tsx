import { memo } from 'react'
import { eta, formatDuration, formatTime, jobDuration } from '../format'
import { useApp } from '../state/app-store'
import { useJobs } from '../state/jobs-store'
import { useNow } from '../use-now'
import { StatusBadge } from './StatusBadge'

/** One row; it re-renders when its own job changes, not when others do. */
export const JobRow = memo(function JobRow({ id, index }: { id: string; index: number }) {
  const job = useJobs((s) => s.byId[id])
  const selected = useJobs((s) => s.selected.has(id))
  const open = useJobs((s) => s.openId === id)
  const toggle = useJobs((s) => s.toggleSelected)
  const openJob = useJobs((s) => s.open)
  // While out of touch, a running job's time is not known: it stops where the panel last heard of it.
  const online = useApp((s) => s.connection === 'open')
  const now = useNow(job?.status === 'running' && online)
  if (!job) return <div className="row placeholder" role="row" aria-rowindex={index + 1} />
  const percent = Math.round(job.progress.fraction * 100)
  const left = eta(job, now)
  return (
    <div
      className={`row ${selected ? 'selected' : ''} ${open ? 'open' : ''}`}
      role="row"
      aria-rowindex={index + 1}
      aria-selected={selected}
      data-job-id={job.id}
      onClick={(e) => (e.metaKey || e.ctrlKey ? toggle(id, true) : openJob(id))}
    >
      <span role="gridcell" className="col-select">
        <input type="checkbox" aria-label={`Select ${job.name}`} checked={selected} onChange={() => toggle(id, true)} onClick={(e) => e.stopPropagation()} />
      </span>
      <span role="gridcell" className="col-name">
        <span className="name" title={job.name}>
          {job.name}
        </span>
        <span className="kind">
          {job.kind}
          {job.priority !== 'normal' ? ` · ${job.priority}` : ''}
        </span>
      </span>
      <span role="gridcell" className="col-status">
        <StatusBadge status={job.status} />
      </span>
      <span role="gridcell" className="col-progress">
        <span className="bar" role="progressbar" aria-label={`${job.name} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <span className={`fill ${job.status}`} style={{ width: `${percent}%` }} />
        </span>
        <span className="percent">
          {percent}%{left !== null ? ` · ${formatDuration(left)} left` : ''}
        </span>
      </span>
      <span role="gridcell" className="col-attempts">
        {job.attempts}/{job.maxAttempts}
      </span>
      <span role="gridcell" className="col-created">
        {formatTime(job.createdAt)}
      </span>
      <span role="gridcell" className="col-duration">
        {formatDuration(jobDuration(job, now) ?? NaN)}
      </span>
    </div>
  )
})
