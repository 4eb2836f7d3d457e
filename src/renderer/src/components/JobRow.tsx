import { memo } from 'react'
import { DEFAULT_LANE } from '../../../shared/vocabulary'
import { dueText, eta, formatDuration, formatTime, jobDuration, usageText, usageTitle } from '../format'
import { useApp } from '../state/app-store'
import { useJobs } from '../state/jobs-store'
import { useNow } from '../use-now'
import { StatusBadge } from './StatusBadge'

/** Moves keyboard focus to the row at `index`, if it is on screen (the overscan keeps the neighbours of a visible row rendered). */
function focusRow(from: HTMLElement, index: number): HTMLElement | null {
  const row = from.closest('[data-testid="job-list"]')?.querySelector<HTMLElement>(`[role="row"][aria-rowindex="${index + 1}"][data-job-id]`) ?? null
  row?.focus()
  row?.scrollIntoView({ block: 'nearest' })
  return row
}

/**
 * One row; it re-renders when its own job changes, not when others do.
 * Keyboard: ↑/↓ move between rows (the open pane follows), Enter opens, Space selects.
 */
export const JobRow = memo(function JobRow({ id, index, tabbable }: { id: string; index: number; tabbable: boolean }) {
  const job = useJobs((s) => s.byId[id])
  const selected = useJobs((s) => s.selected.has(id))
  const open = useJobs((s) => s.openId === id)
  const toggle = useJobs((s) => s.toggleSelected)
  const selectRange = useJobs((s) => s.selectRange)
  const openJob = useJobs((s) => s.open)
  const setFocusIndex = useJobs((s) => s.setFocusIndex)
  // While out of touch, a running job's time is not known: it stops where the panel last heard of it.
  const online = useApp((s) => s.connection === 'open')
  const now = useNow((job?.status === 'running' || job?.status === 'scheduled') && online)
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
      tabIndex={tabbable ? 0 : -1}
      onFocus={() => setFocusIndex(index)}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault()
          e.stopPropagation()
          const row = focusRow(e.currentTarget, index + (e.key === 'ArrowDown' ? 1 : -1))
          if (row?.dataset.jobId && useJobs.getState().openId) openJob(row.dataset.jobId)
        } else if (e.key === 'Enter') {
          e.preventDefault()
          openJob(id)
        } else if (e.key === ' ') {
          e.preventDefault()
          if (e.shiftKey) selectRange(index)
          else toggle(id)
        }
      }}
      onClick={(e) => (e.shiftKey ? selectRange(index) : e.metaKey || e.ctrlKey ? toggle(id) : openJob(id))}
    >
      <span role="gridcell" className="col-select">
        <input
          type="checkbox"
          tabIndex={-1}
          aria-label={`Select ${job.name}`}
          checked={selected}
          // The click decides (a shift-click selects a range); the change only follows the store.
          readOnly
          onClick={(e) => {
            e.stopPropagation()
            if (e.shiftKey) selectRange(index)
            else toggle(id)
          }}
        />
      </span>
      <span role="gridcell" className="col-name">
        <span className="name" title={job.name}>
          {job.name}
        </span>
        <span className="kind">
          {job.kind}
          {job.priority !== 'normal' ? ` · ${job.priority}` : ''}
          {job.lane !== DEFAULT_LANE ? ` · lane ${job.lane}` : ''}
          {job.machine ? ` · on ${job.machine}` : ''}
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
          {job.status === 'scheduled' ? dueText(job, now) : `${percent}%${left !== null ? ` · ${formatDuration(left)} left` : ''}`}
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
      <span role="gridcell" className="col-usage" title={usageTitle(job.usage)}>
        {usageText(job.usage) ?? '—'}
      </span>
    </div>
  )
})
