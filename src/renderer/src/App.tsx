import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { connect } from './api/connect'
import { Header } from './components/Header'
import { DetailPane } from './components/DetailPane'
import { JobList } from './components/JobList'
import { NewJobDialog } from './components/NewJobDialog'
import { SettingsDialog } from './components/SettingsDialog'
import { SchedulesView } from './components/SchedulesView'
import { INDEX_KIND, SearchView } from './components/SearchView'
import { StatsView } from './components/StatsView'
import { StatusTabs } from './components/StatusTabs'
import { WatchesView } from './components/WatchesView'
import { Toolbar } from './components/Toolbar'
import { TransportContext } from './context'
import { reveal, startSync, useApp } from './state/app-store'
import { startBrowserNotifications } from './browser-notifications'
import { tabTitle } from './tab-title'
import { PageLoader, useJobs } from './state/jobs-store'
import { schedulesHearJobs } from './state/schedules-store'
import { watchesHearJobs } from './state/watches-store'
import { useAction } from './use-action'
import type { Job } from '../../shared/job'

/** What the banner leads with while the jobs database is in trouble. */
const STORAGE_TITLES = {
  full: 'Disk full.',
  readonly: 'Cannot save.',
  corrupt: 'Database damaged.',
  unavailable: 'Database unreachable.',
} as const

export function App() {
  const connection = useMemo(() => connect(), [])
  const context = useMemo(() => {
    if ('error' in connection) return null
    const loader = new PageLoader(connection.api)
    // The first page is asked for now, while React draws the panel around it, not once the list has mounted.
    loader.show(0, 0)
    return { transport: connection, loader }
  }, [connection])
  useEffect(() => {
    if (!context) return
    // The desktop app notifies from its main process; a browser tab does it itself.
    const notifications = context.transport.where === 'browser' ? startBrowserNotifications(reveal) : null
    const stop = startSync(context.transport, context.loader, (jobs) => {
      notifications?.jobsChanged(jobs)
      schedulesHearJobs(jobs)
      watchesHearJobs(jobs)
    })
    return () => {
      stop()
      notifications?.dispose()
    }
  }, [context])
  if (!context) {
    return (
      <main className="fatal" role="alert">
        <h1>Offload</h1>
        <p>{'error' in connection ? connection.error : ''}</p>
      </main>
    )
  }
  return (
    <TransportContext.Provider value={context}>
      <Panel />
    </TransportContext.Provider>
  )
}

/** The dialog open over the panel: a new job (perhaps a copy of one, "Run again…", or of a kind chosen), or the settings. */
type OpenDialog = { type: 'new'; from?: Job; kind?: string } | { type: 'settings' } | null
type View = 'jobs' | 'stats' | 'schedules' | 'watches' | 'search'

function Panel() {
  const [dialog, setDialog] = useState<OpenDialog>(null)
  const [view, setView] = useState<View>('jobs')
  const openId = useJobs((s) => s.openId)
  const notice = useApp((s) => s.notice)
  const connection = useApp((s) => s.connection)
  const lastContact = useApp((s) => s.lastContact)
  const storage = useApp((s) => s.stats?.storage)
  const paused = useApp((s) => s.stats?.paused === true)
  const waiting = useApp((s) => s.stats?.counts.queued ?? 0)
  const act = useAction()
  const search = useRef<HTMLInputElement>(null)
  const searchDocuments = useRef<HTMLInputElement>(null)
  const canIndex = useApp((s) => s.kinds.some((k) => k.name === INDEX_KIND))
  /** The job in the jobs view's detail pane, which fetches it if the list has not. */
  const openJob = (id: string): void => {
    useJobs.getState().open(id)
    setView('jobs')
  }
  const openSearch = useCallback(() => {
    setView('search')
    // Already open: the box is there to focus; else it focuses itself as it mounts.
    searchDocuments.current?.focus()
  }, [])
  useShortcuts(setDialog, view === 'search' ? searchDocuments : search, view, openSearch)
  const stats = useApp((s) => s.stats)
  useEffect(() => {
    document.title = tabTitle(stats, connection)
  }, [stats, connection])

  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(() => useApp.setState({ notice: null }), 4000)
    return () => clearTimeout(timer)
  }, [notice])

  return (
    <div className={`app ${connection === 'open' ? '' : 'stale'}`}>
      <Header
        onNewJob={() => setDialog({ type: 'new' })}
        onSettings={() => setDialog({ type: 'settings' })}
        stats={view === 'stats'}
        onStats={() => setView(view === 'stats' ? 'jobs' : 'stats')}
        schedules={view === 'schedules'}
        onSchedules={() => setView(view === 'schedules' ? 'jobs' : 'schedules')}
        watches={view === 'watches'}
        onWatches={() => setView(view === 'watches' ? 'jobs' : 'watches')}
        search={view === 'search'}
        onSearch={() => setView(view === 'search' ? 'jobs' : 'search')}
      />
      {connection === 'unauthorized' && (
        <div className="banner storage" role="alert">
          <strong>This panel’s access token is not accepted.</strong> Open the address that <code>npm run serve</code> printed (it carries the token), or take
          the token from <code>server.json</code> in Offload’s data folder and open <code>{window.location.origin}/?token=…</code>.
        </div>
      )}
      {connection === 'reconnecting' && (
        <div className="banner" role="alert">
          <strong>Lost contact with Offload — reconnecting…</strong>
          {lastContact !== null && <> What you see is as of {new Date(lastContact).toLocaleTimeString()}, and may have changed since.</>}
        </div>
      )}
      {storage && storage.status !== 'ok' && (
        <div className="banner storage" role="alert">
          <strong>{STORAGE_TITLES[storage.status]}</strong> {storage.message}
        </div>
      )}
      {paused && (
        <div className="banner paused" role="status">
          <strong>Paused</strong> — {waiting.toLocaleString()} {waiting === 1 ? 'job waits' : 'jobs wait'}; nothing new starts.{' '}
          <button type="button" className="link" onClick={() => void act((api) => api.resumeQueue({}))}>
            Resume
          </button>
        </div>
      )}
      {view === 'stats' ? (
        <main className="content stats">
          <StatsView />
        </main>
      ) : view === 'schedules' ? (
        <main className="content schedules">
          <SchedulesView onOpenJob={openJob} />
        </main>
      ) : view === 'search' ? (
        <main className="content schedules">
          <SearchView boxRef={searchDocuments} onIndexFolder={canIndex ? () => setDialog({ type: 'new', kind: INDEX_KIND }) : null} />
        </main>
      ) : view === 'watches' ? (
        <main className="content schedules">
          <WatchesView onOpenJob={openJob} />
        </main>
      ) : (
        <>
          <StatusTabs />
          <Toolbar searchRef={search} />
          <main className={`content ${openId ? 'with-detail' : ''}`}>
            <JobList onNewJob={() => setDialog({ type: 'new' })} />
            {openId && <DetailPane key={openId} id={openId} onRunAgain={(job) => setDialog({ type: 'new', from: job })} />}
          </main>
        </>
      )}
      {notice && (
        <div className={`toast ${notice.tone}`} role="status">
          {notice.text}
        </div>
      )}
      {dialog?.type === 'new' && <NewJobDialog from={dialog.from} kind={dialog.kind} onClose={() => setDialog(null)} />}
      {dialog?.type === 'settings' && <SettingsDialog onClose={() => setDialog(null)} />}
    </div>
  )
}

/** N new job · / search · Ctrl/Cmd+K search documents · P pause/resume · C cancel · R retry · Esc close · ↑↓ move in the list. */
function useShortcuts(setDialog: (d: OpenDialog) => void, search: React.RefObject<HTMLInputElement | null>, view: View, searchDocuments: () => void): void {
  const act = useAction()
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement
      // From anywhere but a dialog, typing included: the way apps and sites take Ctrl/Cmd+K.
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k' && !target.closest('[role="dialog"]')) {
        e.preventDefault()
        searchDocuments()
        return
      }
      if (e.metaKey || e.ctrlKey || e.altKey || target.closest('input, textarea, select, [role="dialog"]')) return
      const { openId, open } = useJobs.getState()
      const open1 = openId ? useJobs.getState().byId[openId] : undefined
      if (e.key === 'n') setDialog({ type: 'new' })
      else if (e.key === '/') search.current?.focus()
      else if (e.key === 'p') void act((api) => (useApp.getState().stats?.paused ? api.resumeQueue({}) : api.pauseQueue({})))
      else if (e.key === 'c' && open1) void act((api) => api.cancelJob({ id: open1.id }), 'Cancelled')
      else if (e.key === 'r' && open1) void act((api) => api.retryJob({ id: open1.id }), 'Queued again')
      else if (e.key === 'Escape') open(null)
      else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && view === 'jobs') {
        const rows = [...document.querySelectorAll<HTMLElement>('[data-job-id]')]
        const at = rows.findIndex((r) => r.dataset.jobId === openId)
        const next = rows[Math.max(0, Math.min(rows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))]
        if (next?.dataset.jobId) {
          open(next.dataset.jobId)
          next.scrollIntoView({ block: 'nearest' })
        }
      } else return
      e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [act, setDialog, search, view, searchDocuments])
}
