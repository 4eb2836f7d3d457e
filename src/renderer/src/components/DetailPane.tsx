import { useEffect, useRef, useState } from 'react'
import type { Attempt, Job, LogLine } from '../../../shared/job'
import { DEFAULT_LANE } from '../../../shared/vocabulary'
import { useTransport } from '../context'
import { dueText, formatBytes, formatDuration, formatTime, jobDuration, usageText, usageTitle } from '../format'
import { useApp, useSupports } from '../state/app-store'
import { useJobs } from '../state/jobs-store'
import { useAction } from '../use-action'
import { useNow } from '../use-now'
import { DependencyGraph } from './DependencyGraph'
import { FailureBox } from './FailureBox'
import { LogView } from './LogView'
import { MoveDuplicatesDialog } from './MoveDuplicatesDialog'
import { foundDuplicates } from '../move-duplicates-params'
import { ResultView } from './ResultView'
import { StatusBadge } from './StatusBadge'

const LOG_POLL_MS = 1000
/** The dependencies are read again at most this often while jobs change status (as the list's pages are). */
const DEPENDENCIES_REFRESH_MS = 500

/**
 * The pane opened by following a relative's link: that click's button went
 * with the old pane, so the new one's heading takes the focus.
 */
let focusOnOpen: string | null = null

/** One job in full: what it was asked, what it says, how it ended, and its tries. */
export function DetailPane({ id, onRunAgain }: { id: string; onRunAgain: (job: Job) => void }) {
  const { transport } = useTransport()
  const job = useJobs((s) => s.byId[id])
  const close = useJobs((s) => s.open)
  const act = useAction()
  const [lines, setLines] = useState<LogLine[]>([])
  const [attempts, setAttempts] = useState<Attempt[]>([])
  const waiting = job?.status === 'scheduled' || (job?.status === 'queued' && job.attempts > 0)
  const online = useApp((s) => s.connection === 'open')
  const now = useNow((job?.status === 'running' || waiting) && online)

  useEffect(() => {
    if (!useJobs.getState().byId[id])
      void transport.api.getJob({ id }).then(
        (j) => useJobs.getState().remember(j),
        () => close(null),
      )
  }, [id, transport, close])

  // Read again whenever a try begins or ends (a change of status or attempt count), and every second while one runs.
  const running = job?.status === 'running'
  const tryKey = job ? `${job.status}:${job.attempts}` : ''
  const keepsAttempts = useSupports('attempts')
  useEffect(() => {
    let stopped = false
    const fetchAll = (): void => {
      void transport.api.getJobLogs({ id }).then(
        (result) => !stopped && setLines(result.lines),
        () => {},
      )
      if (keepsAttempts) {
        void transport.api.getJobAttempts({ id }).then(
          (result) => !stopped && setAttempts(result.attempts),
          () => {},
        )
      }
    }
    fetchAll()
    const timer = running ? setInterval(fetchAll, LOG_POLL_MS) : undefined
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [id, tryKey, running, transport, keepsAttempts])

  const dependencies = useDependencies(id)
  const [moving, setMoving] = useState(false)
  const openRelative = (relative: Job): void => {
    const jobs = useJobs.getState()
    if (!jobs.byId[relative.id]) jobs.remember(relative)
    focusOnOpen = relative.id
    jobs.open(relative.id)
  }
  const focusIfFollowed = (heading: HTMLHeadingElement | null): void => {
    if (!heading || focusOnOpen !== id) return
    focusOnOpen = null
    heading.focus()
  }

  if (!job) return <aside className="detail" aria-label="Job details" aria-busy="true" />
  const finished = job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled'
  return (
    <aside className="detail" aria-label={`Details of ${job.name}`}>
      <header>
        <h2 title={job.name} tabIndex={-1} ref={focusIfFollowed}>
          {job.name}
        </h2>
        <button type="button" className="link" aria-label="Close details" onClick={() => close(null)}>
          ✕
        </button>
      </header>
      <div className="detail-meta">
        <StatusBadge status={job.status} />
        <span>{job.kind}</span>
        <span>priority {job.priority}</span>
        {job.lane !== DEFAULT_LANE && <span>lane {job.lane}</span>}
        {job.slots > 1 && <span>{job.slots} slots</span>}
        {job.machine && (
          <span data-testid="machine">
            {job.status === 'running' ? 'running on' : 'ran on'} {job.machine}
          </span>
        )}
        <span>
          try {Math.max(job.attempts, 1)} of {job.maxAttempts}
        </span>
        <span className="duration">{formatDuration(jobDuration(job, now) ?? NaN)}</span>
        {job.usage && (
          <span className="usage" title={usageTitle(job.usage)}>
            {job.status === 'running' ? 'CPU ' : 'CPU time '}
            {usageText(job.usage)}
            {job.status === 'running' ? '' : ' peak'}
          </span>
        )}
        {job.maxMemoryMb !== null && <span>memory limit {formatBytes(job.maxMemoryMb * 1024 * 1024)}</span>}
      </div>
      <div className="detail-actions">
        {job.status === 'scheduled' && (
          <button type="button" onClick={() => void act((api) => api.runJobNow({ id }), 'Queued to run now')}>
            Run now
          </button>
        )}
        {job.status === 'held' && (
          <button type="button" onClick={() => void act((api) => api.releaseJob({ id }), 'Released')}>
            Release
          </button>
        )}
        {(job.status === 'held' || job.status === 'scheduled' || job.status === 'queued' || job.status === 'running') && (
          <button type="button" onClick={() => void act((api) => api.cancelJob({ id }), 'Cancelled')}>
            Cancel (C)
          </button>
        )}
        {(job.status === 'failed' || job.status === 'cancelled') && (
          <button type="button" onClick={() => void act((api) => api.retryJob({ id }), 'Queued again')}>
            Retry (R)
          </button>
        )}
        {finished && (
          <button type="button" onClick={() => onRunAgain(job)}>
            Run again…
          </button>
        )}
        {foundDuplicates(job) && (
          <button type="button" onClick={() => setMoving(true)}>
            Move extra copies…
          </button>
        )}
      </div>
      {moving && <MoveDuplicatesDialog job={job} onClose={() => setMoving(false)} />}
      {waiting && (job.attempts > 0 ? <RetryNote job={job} now={now} /> : <DueNote job={job} now={now} />)}
      {job.status === 'running' && job.progress.message && <p className="progress-message">{job.progress.message}</p>}
      {job.status === 'cancelled' && <p className="cancelled-note">Cancelled{job.error?.message ? ` — ${job.error.message.toLowerCase()}` : ''}.</p>}
      {job.status === 'failed' && job.error && <FailureBox error={job.error} />}
      {(job.dependsOn > 0 || (dependencies?.children.length ?? 0) > 0) && (
        <section className="dependencies">
          <h3>Dependencies</h3>
          {job.dependsOn > 0 && job.status === 'waiting' && (
            <p className="due-note">
              Waiting for {job.waitingOn} of the {job.dependsOn} {job.dependsOn === 1 ? 'job' : 'jobs'} it depends on to succeed
            </p>
          )}
          {dependencies && <DependencyGraph job={job} parents={dependencies.parents} children={dependencies.children} onOpen={openRelative} />}
        </section>
      )}
      {(job.status === 'succeeded' || job.result != null || !finished) && (
        <section>
          <h3>Result</h3>
          <ResultView job={job} />
        </section>
      )}
      <section>
        <h3>Log</h3>
        <LogView lines={lines} name={job.name} finished={finished} />
      </section>
      {keepsAttempts && (
        <section>
          <h3>Tries</h3>
          {attempts.length === 0 ? (
            <p className="muted">Not begun yet.</p>
          ) : (
            <ol className="attempts">
              {attempts.map((a) => (
                <AttemptItem key={a.seq} attempt={a} now={now} />
              ))}
            </ol>
          )}
        </section>
      )}
      <section>
        <h3>Params</h3>
        <pre>{JSON.stringify(job.params, null, 2)}</pre>
      </section>
    </aside>
  )
}

/**
 * The jobs this one waits for and those waiting for it; null until read.
 * Most relatives are not in the list's pages, so the store drops their
 * events; but any change of theirs that the drawing shows (a status, a new
 * child, one removed) moves the status counts, so those are the cue to read
 * again — throttled, not on every change, never on a progress tick.
 */
function useDependencies(id: string): { parents: Job[]; children: Job[] } | null {
  const { transport } = useTransport()
  const counts = useApp((s) => (s.stats ? JSON.stringify(s.stats.counts) : ''))
  const online = useApp((s) => s.connection === 'open')
  // A backend without dependencies refuses the question: it is not asked.
  const depends = useSupports('dependencies')
  const cue = useThrottled(counts, DEPENDENCIES_REFRESH_MS)
  const [dependencies, setDependencies] = useState<{ parents: Job[]; children: Job[] } | null>(null)
  useEffect(() => {
    if (!online || !depends) return
    let stopped = false
    void transport.api.getJobDependencies({ id }).then(
      (result) => !stopped && setDependencies(result),
      () => {},
    )
    return () => {
      stopped = true
    }
  }, [id, transport, cue, online, depends])
  return dependencies
}

/** `value`, changing at most once every `ms`, to its latest. */
function useThrottled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  const last = useRef(0)
  useEffect(() => {
    if (Object.is(value, settled)) return
    // Timed from the last change let through, not from this one: a steady stream of changes still gets through every `ms`.
    const timer = setTimeout(
      () => {
        last.current = Date.now()
        setSettled(value)
      },
      Math.max(0, last.current + ms - Date.now()),
    )
    return () => clearTimeout(timer)
  }, [value, settled, ms])
  return settled
}

/** A job waiting for its time. */
function DueNote({ job, now }: { job: Job; now: number }) {
  const paused = useApp((s) => s.stats?.paused === true)
  const text = dueText(job, now)
  return (
    <p className="due-note" role="status">
      {text.charAt(0).toUpperCase() + text.slice(1)}
      {paused && ' — the queue is paused: it waits for Resume then'}
    </p>
  )
}

/** A job between tries: when the next one starts, and why the last one failed. */
function RetryNote({ job, now }: { job: Job; now: number }) {
  const paused = useApp((s) => s.stats?.paused === true)
  const wait = Date.parse(job.runAfter) - now
  const when = paused ? 'Retrying once the queue is resumed' : wait > 1000 ? `Retrying in ${formatDuration(wait)}` : 'Retrying now'
  return (
    <div className="retry-note" role="status">
      <p>
        {when} (try {job.attempts + 1} of {job.maxAttempts})
      </p>
      {job.error && <FailureBox error={job.error} title="The last try failed" />}
    </div>
  )
}

function AttemptItem({ attempt: a, now }: { attempt: Attempt; now: number }) {
  const ms = (a.finishedAt ? Date.parse(a.finishedAt) : now) - Date.parse(a.startedAt)
  const end = a.exitCode !== null ? `exit code ${a.exitCode}` : a.signal ? `killed by ${a.signal}` : null
  return (
    <li data-outcome={a.outcome}>
      Try {a.attempt}: <strong>{a.outcome}</strong> · <time>{formatTime(a.startedAt)}</time> · {formatDuration(ms)}
      {end && ` · ${end}`}
      {a.cpuMs !== null && ` · CPU time ${formatDuration(a.cpuMs)}`}
      {a.peakRssBytes !== null && ` · peak memory ${formatBytes(a.peakRssBytes)}`}
      {a.error && (
        <div className="muted">
          {a.error.code}: {a.error.message}
        </div>
      )}
    </li>
  )
}
