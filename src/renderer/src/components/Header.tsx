import type { WorkerHost } from '../../../shared/backend'
import { MAX_CONCURRENCY, THROUGHPUT_BUCKET_SECONDS } from '../../../shared/vocabulary'
import { useApp, useSupports } from '../state/app-store'
import { throttleText } from '../throttle-text'
import { useAction } from '../use-action'
import { QuietNote } from './QuietNote'
import { Sparkline } from './Sparkline'

const CONNECTION_TEXT = { open: 'Connected', connecting: 'Connecting…', reconnecting: 'Reconnecting…', unauthorized: 'Token refused' } as const

export function Header(props: {
  onNewJob: () => void
  onSettings: () => void
  stats: boolean
  onStats: () => void
  schedules: boolean
  onSchedules: () => void
  watches: boolean
  onWatches: () => void
  search: boolean
  onSearch: () => void
}) {
  const { onNewJob, onSettings, stats: showingStats, onStats, schedules: showingSchedules, onSchedules, watches: showingWatches, onWatches } = props
  const { search: showingSearch, onSearch } = props
  const stats = useApp((s) => s.stats)
  const settings = useApp((s) => s.settings)
  const connection = useApp((s) => s.connection)
  const machines = useApp((s) => (s.backend?.name === 'bullmq' ? s.backend.workers : null))
  const canSearch = useSupports('search')
  const canSchedule = useSupports('schedules')
  const canWatch = useSupports('watches')
  const hasSettings = useSupports('settings')
  const hasReport = useSupports('statsReport')
  const act = useAction()
  const perMinute = stats ? stats.finished.slice(-6).reduce((a, b) => a + b, 0) * (60 / (6 * THROUGHPUT_BUCKET_SECONDS)) : 0
  const setConcurrency = (n: number): void => {
    if (n >= 1 && n <= MAX_CONCURRENCY) void act((api) => api.updateSettings({ concurrency: n }))
  }
  return (
    <header className="header">
      <div className="brand">
        <img src="./icon.svg" alt="" width={22} height={22} />
        <h1>Offload</h1>
        <span className={`connection ${connection}`} role="status" aria-live="polite">
          {CONNECTION_TEXT[connection]}
        </span>
        <QuietNote />
      </div>
      <div className="meters" aria-label="Workers and throughput">
        <div className="meter">
          <span className="meter-value" data-testid="workers">
            {stats ? `${stats.workers.busy}/${stats.workers.max}` : '–'}
          </span>
          <span className="meter-label">workers busy</span>
        </div>
        {machines && <Machines hosts={machines} />}
        <ThrottleNote />
        <div className="meter throughput">
          <Sparkline values={stats?.finished ?? []} label="Jobs finished, last five minutes" />
          <span className="meter-label">{Math.round(perMinute)} finished/min</span>
        </div>
      </div>
      <div className="header-actions">
        {hasSettings && (
          <div className="stepper" role="group" aria-label="Jobs at once">
            <button type="button" aria-label="Fewer jobs at once" onClick={() => setConcurrency((settings?.concurrency ?? 1) - 1)}>
              −
            </button>
            <span aria-live="polite" data-testid="concurrency">
              {settings?.concurrency ?? '–'} at once
            </span>
            <button type="button" aria-label="More jobs at once" onClick={() => setConcurrency((settings?.concurrency ?? 1) + 1)}>
              +
            </button>
          </div>
        )}
        {stats?.paused ? (
          <button type="button" className="primary pause-toggle" onClick={() => void act((api) => api.resumeQueue({}))} title="Resume (P)">
            ▶ Resume
          </button>
        ) : (
          <button type="button" className="pause-toggle" onClick={() => void act((api) => api.pauseQueue({}))} title="Pause all (P)">
            ❚❚ Pause all
          </button>
        )}
        {canSearch && (
          <button type="button" onClick={onSearch} aria-pressed={showingSearch} title="Search documents (Ctrl+K)">
            Search
          </button>
        )}
        {canSchedule && (
          <button type="button" onClick={onSchedules} aria-pressed={showingSchedules}>
            Schedules
          </button>
        )}
        {canWatch && (
          <button type="button" onClick={onWatches} aria-pressed={showingWatches}>
            Watches
          </button>
        )}
        {hasReport && (
          <button type="button" onClick={onStats} aria-pressed={showingStats}>
            Stats
          </button>
        )}
        {hasSettings && (
          <button type="button" onClick={onSettings} aria-label="Settings">
            ⚙
          </button>
        )}
        <button type="button" className="primary" onClick={onNewJob} title="New job (N)">
          + New job
        </button>
      </div>
    </header>
  )
}

/** With Redis: the machines working from the queue, each with its load, behind a count beside the workers meter. */
function Machines({ hosts }: { hosts: readonly WorkerHost[] }) {
  return (
    <details className="machines" data-testid="machines">
      <summary>
        {hosts.length} {hosts.length === 1 ? 'machine' : 'machines'}
      </summary>
      {hosts.length === 0 ? (
        <p>
          No machine is taking jobs. Start one with <code>offload worker --redis URL</code>.
        </p>
      ) : (
        <ul aria-label="Connected workers">
          {hosts.map((host) => (
            <li key={host.id}>
              <strong>{host.machine}</strong> {host.running}/{host.concurrency} busy
              {host.lanes.length > 0 ? ` · lanes ${host.lanes.join(', ')}` : ''}
            </li>
          ))}
        </ul>
      )}
    </details>
  )
}

/** "2 of 4: on battery" beside the workers while something holds the limit below the setting. */
function ThrottleNote() {
  const throttle = useApp((s) => s.stats?.throttle)
  const concurrency = useApp((s) => s.settings?.concurrency)
  const note = throttleText(throttle, concurrency)
  if (!note) return null
  return (
    <span className="throttle-note" role="status" aria-label={note.label} title={note.title} data-testid="throttle">
      {note.text}
    </span>
  )
}
