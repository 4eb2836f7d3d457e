import { useEffect, useMemo, useRef, useState } from 'react'
import { nextFireTimes } from '../../../shared/cron'
import type { Schedule, ScheduleDetail, ScheduleRun } from '../../../shared/schedule'
import { useTransport } from '../context'
import { focusFirstIn } from '../focus'
import { fireTimeText, nextRunText, pastText, runNote, runStateText } from '../schedule-text'
import { useApp } from '../state/app-store'
import { onPageShown, pageShown } from '../state/page-visibility'
import { ScheduleFeed, setCurrentFeed, useSchedules } from '../state/schedules-store'
import { useAction } from '../use-action'
import { useNow } from '../use-now'
import { Dialog } from './Dialog'
import { ScheduleDialog } from './ScheduleDialog'
import { StatusBadge } from './StatusBadge'

type OpenDialog = { type: 'edit'; schedule?: Schedule } | { type: 'delete'; schedule: Schedule } | null

/** A moment after a schedule's next time, the list is read again: its run has been made by then. */
const AFTER_FIRE_MS = 1500

/** The recurring schedules: what each runs and when, what its last run did; make, change, run, pause and delete them. */
export function SchedulesView({ onOpenJob }: { onOpenJob: (jobId: string) => void }) {
  const { transport } = useTransport()
  const online = useApp((s) => s.connection === 'open')
  const schedules = useSchedules((s) => s.schedules)
  const error = useSchedules((s) => s.error)
  const feed = useMemo(() => new ScheduleFeed(transport.api, { visible: pageShown, onShown: onPageShown }), [transport])
  const [dialog, setDialog] = useState<OpenDialog>(null)
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set())
  const view = useRef<HTMLElement>(null)
  const now = useNow(online)

  useEffect(() => {
    if (!online) return
    setCurrentFeed(feed)
    const stop = feed.start()
    return () => {
      stop()
      setCurrentFeed(null)
    }
  }, [feed, online])

  // The soonest next run: read again just after it, so its run shows without waiting for the timer.
  const soonest = Math.min(...(schedules ?? []).flatMap((s) => (s.enabled && s.nextRuns[0] ? [Date.parse(s.nextRuns[0])] : [])))
  useEffect(() => {
    if (!online || !Number.isFinite(soonest)) return
    const timer = setTimeout(() => void feed.refresh(), Math.max(0, soonest - Date.now()) + AFTER_FIRE_MS)
    return () => clearTimeout(timer)
  }, [feed, online, soonest])

  const toggle = (id: string): void => {
    const open = !expanded.has(id)
    setExpanded((old) => {
      const next = new Set(old)
      if (open) next.add(id)
      else next.delete(id)
      return next
    })
    if (open) feed.follow(id)
    else feed.unfollow(id)
  }

  /** Focus goes to what is there once a dialog's opener is gone: a schedule's title, or the way to make one. */
  const focusSoon = (selector: string): void => focusFirstIn(view, [selector, 'h3 button', 'button.primary'])

  return (
    <section className="schedules-view" aria-label="Schedules" ref={view}>
      <div className="stats-head">
        <h2>Schedules</h2>
        <p className="muted small">Jobs that Offload makes on a timetable, in a time zone of your choice.</p>
        {schedules && schedules.length > 0 && (
          <button type="button" className="primary" onClick={() => setDialog({ type: 'edit' })}>
            + New schedule
          </button>
        )}
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {schedules === null ? (
        !error && <p className="muted">Loading…</p>
      ) : schedules.length === 0 ? (
        <div className="empty" role="status">
          <h2>No schedules yet</h2>
          <p>A schedule queues a job by a cron pattern: a backup every night at 2:00, a report each Monday at 9:00.</p>
          <button type="button" className="primary" onClick={() => setDialog({ type: 'edit' })}>
            + Create your first schedule
          </button>
        </div>
      ) : (
        <ul className="schedule-list">
          {schedules.map((s) => (
            <ScheduleItem
              key={s.id}
              schedule={s}
              now={now}
              expanded={expanded.has(s.id)}
              onToggle={() => toggle(s.id)}
              onEdit={() => setDialog({ type: 'edit', schedule: s })}
              onDelete={() => setDialog({ type: 'delete', schedule: s })}
              onOpenJob={onOpenJob}
              feed={feed}
            />
          ))}
        </ul>
      )}
      {dialog?.type === 'edit' && (
        <ScheduleDialog
          schedule={dialog.schedule}
          onClose={() => setDialog(null)}
          onSaved={(saved) => {
            useSchedules.getState().put(saved)
            void feed.refresh()
            setDialog(null)
            // A new one: its opener may be gone (the empty state's button), and the new schedule is what the user wants next.
            if (!dialog.schedule) focusSoon(`#${CSS.escape(titleId(saved.id))}`)
          }}
        />
      )}
      {dialog?.type === 'delete' && (
        <DeleteDialog
          schedule={dialog.schedule}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            useSchedules.getState().drop(dialog.schedule.id)
            feed.unfollow(dialog.schedule.id)
            void feed.refresh()
            setDialog(null)
            focusSoon('h3 button')
          }}
        />
      )}
    </section>
  )
}

const titleId = (id: string): string => `schedule-${id}-title`

function ScheduleItem(props: {
  schedule: Schedule
  now: number
  expanded: boolean
  onToggle: () => void
  onEdit: () => void
  onDelete: () => void
  onOpenJob: (jobId: string) => void
  feed: ScheduleFeed
}) {
  const { schedule: s, now, expanded, onToggle, onEdit, onDelete, onOpenJob, feed } = props
  const act = useAction()
  const detail = useSchedules((st) => st.details[s.id])
  const [running, setRunning] = useState(false)
  const title = titleId(s.id)
  const detailId = `schedule-${s.id}-detail`
  const switchText = `schedule-${s.id}-enabled`

  const setEnabled = async (enabled: boolean): Promise<void> => {
    // Flipped at once, with the next runs the server will give (the same cron math); its answer, or the next read if it refused, settles it.
    const nextRuns = enabled ? nextFireTimes(s.cron, s.timezone, 5, Date.now()).map((t) => new Date(t).toISOString()) : []
    useSchedules.getState().put({ ...s, enabled, nextRuns })
    const saved = await act((api) => api.updateSchedule({ id: s.id, enabled }))
    if (saved) useSchedules.getState().put(saved)
    void feed.refresh()
  }
  const runNow = async (): Promise<void> => {
    setRunning(true)
    const job = await act((api) => api.runSchedule({ id: s.id }))
    setRunning(false)
    if (job) useApp.getState().notify(`Queued "${job.name}"`)
    void feed.refresh()
  }

  return (
    <li className={`schedule ${s.enabled ? '' : 'disabled'}`} data-schedule-id={s.id}>
      <div className="schedule-head">
        <h3>
          <button type="button" className="disclosure" id={title} aria-expanded={expanded} aria-controls={detailId} onClick={onToggle}>
            <span className="chevron" aria-hidden="true" />
            {s.name}
          </button>
        </h3>
        <span className="kind">{s.kind}</span>
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            checked={s.enabled}
            aria-labelledby={`${switchText} ${title}`}
            onChange={(e) => void setEnabled(e.target.checked)}
          />
          <span id={switchText}>Enabled</span>
        </label>
      </div>
      <dl className="schedule-facts">
        <div>
          <dt>Pattern</dt>
          <dd>
            <code>{s.cron}</code> · {s.timezone}
          </dd>
        </div>
        <div>
          <dt>Next run</dt>
          <dd data-testid="next-run">{!s.enabled ? 'off while disabled' : s.nextRuns[0] ? nextRunText(s.nextRuns[0], now) : 'never again'}</dd>
        </div>
        <div>
          <dt>Last run</dt>
          <dd data-testid="last-run">{s.lastRun ? <RunOutcome run={s.lastRun} now={now} onOpenJob={onOpenJob} /> : 'not yet'}</dd>
        </div>
      </dl>
      <div className="schedule-actions">
        <button type="button" onClick={() => void runNow()} disabled={running} aria-describedby={title}>
          Run now
        </button>
        <button type="button" onClick={onEdit} aria-describedby={title}>
          Edit…
        </button>
        <button type="button" onClick={onDelete} aria-describedby={title}>
          Delete…
        </button>
      </div>
      {expanded && (
        <div className="schedule-detail" id={detailId}>
          <h4>Next runs</h4>
          {s.nextRuns.length === 0 ? (
            <p className="muted">{s.enabled ? 'The pattern fires no more.' : 'None while it is disabled.'}</p>
          ) : (
            <ol className="next-runs" aria-label={`Next runs of ${s.name}`}>
              {s.nextRuns.map((iso) => (
                <li key={iso}>
                  <time dateTime={iso}>{fireTimeText(Date.parse(iso), s.timezone, now)}</time>
                </li>
              ))}
            </ol>
          )}
          <h4>Recent runs</h4>
          <History detail={detail} now={now} onOpenJob={onOpenJob} name={s.name} />
        </div>
      )}
    </li>
  )
}

/** What became of a run: its job's status (with a way to open the job), or why there was none. */
function RunOutcome({ run, now, onOpenJob }: { run: ScheduleRun; now: number; onOpenJob: (jobId: string) => void }) {
  const { jobId, status } = run
  return (
    <>
      {jobId && status ? (
        <>
          <StatusBadge status={status} />{' '}
          <button type="button" className="link" onClick={() => onOpenJob(jobId)}>
            Open job
          </button>
        </>
      ) : (
        runStateText(run)
      )}{' '}
      · <time dateTime={run.slot}>{pastText(run.slot, now)}</time>
    </>
  )
}

function History({ detail, now, onOpenJob, name }: { detail: ScheduleDetail | undefined; now: number; onOpenJob: (jobId: string) => void; name: string }) {
  if (!detail) return <p className="muted">Loading…</p>
  if (detail.history.length === 0) return <p className="muted">No runs yet.</p>
  return (
    <div className="table-scroll">
      <table className="runs-table" aria-label={`Recent runs of ${name}`}>
        <thead>
          <tr>
            <th scope="col">For</th>
            <th scope="col">Run</th>
            <th scope="col">Job</th>
          </tr>
        </thead>
        <tbody>
          {detail.history.map((run) => {
            const note = runNote(run)
            return (
              <tr key={`${run.slot}-${run.firedAt}`} data-state={run.state}>
                <td>
                  <time dateTime={run.slot}>{fireTimeText(Date.parse(run.slot), detail.timezone, now)}</time>
                </td>
                <td>
                  {runStateText(run)}
                  {note && <span className="muted"> · {note}</span>}
                </td>
                <td>
                  {run.jobId && run.status ? (
                    <button type="button" className="link" onClick={() => onOpenJob(run.jobId!)}>
                      Open job
                    </button>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

function DeleteDialog({ schedule, onClose, onDeleted }: { schedule: Schedule; onClose: () => void; onDeleted: () => void }) {
  const act = useAction()
  const [busy, setBusy] = useState(false)
  const remove = async (): Promise<void> => {
    setBusy(true)
    const done = await act((api) => api.deleteSchedule({ id: schedule.id }), `Deleted schedule "${schedule.name}"`)
    setBusy(false)
    if (done) onDeleted()
  }
  return (
    <Dialog title={`Delete schedule “${schedule.name}”?`} onClose={onClose}>
      <p>It makes no more jobs. The jobs it has made stay in the list, with their logs and results.</p>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Keep it
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
          Delete schedule
        </button>
      </div>
    </Dialog>
  )
}
