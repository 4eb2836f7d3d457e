import { useState } from 'react'
import type { JobStatus } from '../../../shared/job'
import { useApp } from '../state/app-store'
import { useAction } from '../use-action'
import { Dialog } from './Dialog'

const FINISHED = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobStatus[]

/** Removes finished jobs, by status, after saying how many and what goes with them. */
export function ClearFinishedDialog({ onClose }: { onClose: () => void }) {
  const counts = useApp((s) => s.stats?.counts)
  const act = useAction()
  const [chosen, setChosen] = useState<Set<JobStatus>>(() => new Set(FINISHED))
  const [busy, setBusy] = useState(false)
  const count = FINISHED.filter((s) => chosen.has(s)).reduce((n, s) => n + (counts?.[s] ?? 0), 0)
  const toggle = (status: JobStatus, on: boolean): void =>
    setChosen((old) => {
      const next = new Set(old)
      if (on) next.add(status)
      else next.delete(status)
      return next
    })
  const clear = async (): Promise<void> => {
    setBusy(true)
    const result = await act((api) => api.clearFinished({ status: FINISHED.filter((s) => chosen.has(s)) }))
    if (result) useApp.getState().notify(`Removed ${result.removed.toLocaleString()} ${result.removed === 1 ? 'job' : 'jobs'}`)
    setBusy(false)
    onClose()
  }
  return (
    <Dialog title="Clear finished jobs" onClose={onClose}>
      <fieldset>
        <legend>Remove the jobs that</legend>
        {FINISHED.map((status) => (
          <label className="check" key={status}>
            <input type="checkbox" checked={chosen.has(status)} onChange={(e) => toggle(status, e.target.checked)} /> {status} (
            {(counts?.[status] ?? 0).toLocaleString()})
          </label>
        ))}
      </fieldset>
      <p>
        Their logs and results go with them, and cannot be brought back. The stats keep what they did. Queued and running jobs stay, and so do jobs that finish
        meanwhile; they go a few at a time, as the hourly clean-up does, while jobs go on running.
      </p>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Keep them
        </button>
        <button type="button" className="danger" disabled={busy || count === 0} onClick={() => void clear()}>
          Remove {count.toLocaleString()} {count === 1 ? 'job' : 'jobs'}
        </button>
      </div>
    </Dialog>
  )
}
