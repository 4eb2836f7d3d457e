import { useEffect, useMemo, useRef, useState } from 'react'
import type { Watch } from '../../../shared/watch'
import { useTransport } from '../context'
import { focusFirstIn } from '../focus'
import { pastText } from '../schedule-text'
import { useApp } from '../state/app-store'
import { createWatchFeed, setWatchFeed, useWatches, type WatchFeed } from '../state/watches-store'
import { useAction } from '../use-action'
import { useNow } from '../use-now'
import { globText, handedOverText, pendingText, settleText, STATE_LABELS, stateTone } from '../watch-text'
import { ConfirmDialog } from './Dialog'
import { WatchDialog } from './WatchDialog'

type OpenDialog = { type: 'edit'; watch?: Watch } | { type: 'delete'; watch: Watch } | null

const titleId = (id: string): string => `watch-${id}-title`

/** The watched folders: what each takes and makes, whether it can watch (and if not, why), what it has handed over; add, change, switch off and delete them. */
export function WatchesView({ onOpenJob }: { onOpenJob: (jobId: string) => void }) {
  const { transport } = useTransport()
  const online = useApp((s) => s.connection === 'open')
  const watches = useWatches((s) => s.watches)
  const error = useWatches((s) => s.error)
  const feed = useMemo(() => createWatchFeed(transport.api), [transport])
  const [dialog, setDialog] = useState<OpenDialog>(null)
  const view = useRef<HTMLElement>(null)
  const now = useNow(online)

  useEffect(() => {
    if (!online) return
    setWatchFeed(feed)
    const stop = feed.start()
    return () => {
      stop()
      setWatchFeed(null)
    }
  }, [feed, online])

  /** Focus goes to what is there once a dialog's opener is gone: a watch's folder, or the way to add one. */
  const focusSoon = (selector: string): void => focusFirstIn(view, [selector, 'li.watch h3', 'button.primary'])

  return (
    <section className="schedules-view watches-view" aria-label="Watches" ref={view}>
      <div className="stats-head">
        <h2>Watches</h2>
        <p className="muted small">Folders Offload keeps an eye on: each file that arrives becomes a job once it has stopped changing.</p>
        {watches && watches.length > 0 && (
          <button type="button" className="primary" onClick={() => setDialog({ type: 'edit' })}>
            + Add a watch
          </button>
        )}
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {watches === null ? (
        !error && <p className="muted">Loading…</p>
      ) : watches.length === 0 ? (
        <div className="empty" role="status">
          <h2>No watches yet</h2>
          <p>
            A watch turns each file that lands in a folder into a job: scans dropped in an inbox each get read, photos copied off a camera each get resized.
            Offload waits until a file has stopped changing, and hands each one over once.
          </p>
          <button type="button" className="primary" onClick={() => setDialog({ type: 'edit' })}>
            + Add a watch
          </button>
        </div>
      ) : (
        <ul className="schedule-list watch-list">
          {watches.map((w) => (
            <WatchItem
              key={w.id}
              watch={w}
              now={now}
              feed={feed}
              onEdit={() => setDialog({ type: 'edit', watch: w })}
              onDelete={() => setDialog({ type: 'delete', watch: w })}
              onOpenJob={onOpenJob}
            />
          ))}
        </ul>
      )}
      {dialog?.type === 'edit' && (
        <WatchDialog
          watch={dialog.watch}
          onClose={() => setDialog(null)}
          onSaved={(saved) => {
            useWatches.getState().put(saved)
            void feed.refresh()
            setDialog(null)
            // A new one: its opener may be gone (the empty state's button), and the new watch is what the user wants next.
            if (!dialog.watch) focusSoon(`#${CSS.escape(titleId(saved.id))}`)
          }}
        />
      )}
      {dialog?.type === 'delete' && (
        <DeleteDialog
          watch={dialog.watch}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            useWatches.getState().drop(dialog.watch.id)
            void feed.refresh()
            setDialog(null)
            focusSoon('li.watch h3')
          }}
        />
      )}
    </section>
  )
}

function WatchItem(props: { watch: Watch; now: number; feed: WatchFeed; onEdit: () => void; onDelete: () => void; onOpenJob: (jobId: string) => void }) {
  const { watch: w, now, feed, onEdit, onDelete, onOpenJob } = props
  const act = useAction()
  const title = titleId(w.id)
  const stateId = `watch-${w.id}-state`
  const switchText = `watch-${w.id}-enabled`
  const tone = stateTone(w.state)

  const setEnabled = async (enabled: boolean): Promise<void> => {
    // Flipped at once; the server's answer (its first look at the folder), or the next read if it refused, settles it.
    useWatches.getState().put({ ...w, enabled, state: enabled ? 'scanning' : 'disabled', stateMessage: null, pendingFiles: 0 })
    const saved = await act((api) => api.updateWatch({ id: w.id, enabled }))
    if (saved) useWatches.getState().put(saved)
    void feed.refresh()
  }

  return (
    <li className={`schedule watch watch-${tone}`} data-watch-id={w.id}>
      <div className="schedule-head">
        <h3 id={title} tabIndex={-1} className="watch-path">
          {w.path}
        </h3>
        <span className="kind">{w.kind}</span>
        <span className="watch-state" id={stateId} data-testid="watch-state">
          {tone === 'problem' && <span aria-hidden="true">⚠ </span>}
          {STATE_LABELS[w.state]}
        </span>
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            checked={w.enabled}
            aria-labelledby={`${switchText} ${title}`}
            onChange={(e) => void setEnabled(e.target.checked)}
          />
          <span id={switchText}>Enabled</span>
        </label>
      </div>
      {w.stateMessage && (
        <p className="watch-message" id={`watch-${w.id}-message`} data-testid="watch-message">
          {w.stateMessage}
        </p>
      )}
      <dl className="schedule-facts">
        <div>
          <dt>Files</dt>
          <dd>
            <code>{globText(w.glob, w.recursive)}</code> · settle {settleText(w.settleMs)}
          </dd>
        </div>
        <div>
          <dt>Handed over</dt>
          <dd data-testid="handed-over">{handedOverText(w, now)}</dd>
        </div>
        <div>
          <dt>Waiting to settle</dt>
          <dd data-testid="pending">{pendingText(w.pendingFiles)}</dd>
        </div>
        {w.lastJobId && (
          <div>
            <dt>Last job</dt>
            <dd>
              <button type="button" className="link" onClick={() => onOpenJob(w.lastJobId!)} aria-describedby={title}>
                Open job
              </button>
            </dd>
          </div>
        )}
      </dl>
      {w.lastSkipped && (
        <p className="watch-skipped" data-testid="last-skipped">
          <strong>Last skipped:</strong> <code>{w.lastSkipped.path}</code> — {w.lastSkipped.message}{' '}
          <span className="muted">
            · <time dateTime={w.lastSkipped.at}>{pastText(w.lastSkipped.at, now)}</time>
          </span>
        </p>
      )}
      <div className="schedule-actions">
        <button type="button" onClick={onEdit} aria-describedby={title}>
          Edit…
        </button>
        <button type="button" onClick={onDelete} aria-describedby={title}>
          Delete…
        </button>
      </div>
    </li>
  )
}

function DeleteDialog({ watch, onClose, onDeleted }: { watch: Watch; onClose: () => void; onDeleted: () => void }) {
  const act = useAction()
  return (
    <ConfirmDialog
      title={`Delete the watch on ${watch.path}?`}
      keep="Keep it"
      confirm="Delete watch"
      onClose={onClose}
      onConfirm={async () => {
        if (await act((api) => api.deleteWatch({ id: watch.id }), `Stopped watching ${watch.path}`)) onDeleted()
      }}
    >
      Offload stops watching the folder. Its files stay where they are, and the jobs made from them stay in the list.
    </ConfirmDialog>
  )
}
