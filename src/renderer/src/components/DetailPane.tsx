import { useEffect, useRef, useState } from 'react'
import type { Attempt, Job, LogLine } from '../../../shared/job'
import { useTransport } from '../context'
import { formatDuration, formatTime, jobDuration } from '../format'
import { useJobs } from '../state/jobs-store'
import { useAction } from '../use-action'
import { useNow } from '../use-now'
import { ResultView } from './ResultView'
import { StatusBadge } from './StatusBadge'

const LOG_POLL_MS = 1000

/** One job in full: what it was asked, what it says, how it ended, and its tries. */
export function DetailPane({ id }: { id: string }) {
  const { transport } = useTransport()
  const job = useJobs((s) => s.byId[id])
  const close = useJobs((s) => s.open)
  const act = useAction()
  const [lines, setLines] = useState<LogLine[]>([])
  const [attempts, setAttempts] = useState<Attempt[]>([])
  const logEnd = useRef<HTMLDivElement>(null)
  const now = useNow(job?.status === 'running' ? 1000 : null)

  useEffect(() => {
    if (!useJobs.getState().byId[id])
      void transport.api.getJob({ id }).then(
        (j) => useJobs.getState().remember(j),
        () => close(null),
      )
  }, [id, transport, close])

  const running = job?.status === 'running'
  useEffect(() => {
    let stopped = false
    const fetchLogs = (): void => {
      void transport.api.getJobLogs({ id }).then(
        (result) => !stopped && setLines(result.lines),
        () => {},
      )
    }
    fetchLogs()
    if (!running) return () => void (stopped = true)
    const timer = setInterval(fetchLogs, LOG_POLL_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [id, running, transport])

  // A try begins or ends with a change of status or attempt count: read them again then.
  const tryKey = job ? `${job.status}:${job.attempts}` : ''
  useEffect(() => {
    let stopped = false
    void transport.api.getJobAttempts({ id }).then(
      (result) => !stopped && setAttempts(result.attempts),
      () => {},
    )
    return () => void (stopped = true)
  }, [id, tryKey, transport])

  // Braces matter: in recent Chromium scrollIntoView returns a promise, which React would take for a cleanup.
  useEffect(() => {
    logEnd.current?.scrollIntoView({ block: 'end' })
  }, [lines.length])

  if (!job) return <aside className="detail" aria-label="Job details" aria-busy="true" />
  return (
    <aside className="detail" aria-label={`Details of ${job.name}`}>
      <header>
        <h2 title={job.name}>{job.name}</h2>
        <button type="button" className="link" aria-label="Close details" onClick={() => close(null)}>
          ✕
        </button>
      </header>
      <div className="detail-meta">
        <StatusBadge status={job.status} />
        <span>{job.kind}</span>
        <span>priority {job.priority}</span>
        <span>
          try {job.attempts} of {job.maxAttempts}
        </span>
        <span>{formatDuration(jobDuration(job, now) ?? NaN)}</span>
      </div>
      <div className="detail-actions">
        {(job.status === 'queued' || job.status === 'running') && (
          <button type="button" onClick={() => void act((api) => api.cancelJob({ id }), 'Cancelled')}>
            Cancel (C)
          </button>
        )}
        {(job.status === 'failed' || job.status === 'cancelled') && (
          <button type="button" onClick={() => void act((api) => api.retryJob({ id }), 'Queued again')}>
            Retry (R)
          </button>
        )}
      </div>
      {job.progress.message && <p className="progress-message">{job.progress.message}</p>}
      {job.error && <ErrorBox job={job} />}
      <section>
        <h3>Result</h3>
        <ResultView job={job} />
      </section>
      <section>
        <h3>Log</h3>
        <div className="log" role="log" aria-live="polite" data-testid="job-log">
          {lines.length === 0 ? <p className="muted">No output yet.</p> : lines.map((l) => <div key={l.seq}>{l.line}</div>)}
          <div ref={logEnd} />
        </div>
      </section>
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
      <section>
        <h3>Params</h3>
        <pre>{JSON.stringify(job.params, null, 2)}</pre>
      </section>
    </aside>
  )
}

function AttemptItem({ attempt: a, now }: { attempt: Attempt; now: number }) {
  const ms = (a.finishedAt ? Date.parse(a.finishedAt) : now) - Date.parse(a.startedAt)
  const end = a.exitCode !== null ? `exit code ${a.exitCode}` : a.signal ? `killed by ${a.signal}` : null
  return (
    <li data-outcome={a.outcome}>
      Try {a.attempt}: <strong>{a.outcome}</strong> · <time>{formatTime(a.startedAt)}</time> · {formatDuration(ms)}
      {end && ` · ${end}`}
      {a.error && (
        <div className="muted">
          {a.error.code}: {a.error.message}
        </div>
      )}
    </li>
  )
}

function ErrorBox({ job }: { job: Job }) {
  const error = job.error!
  return (
    <section className="error-box" role="alert">
      <strong>{error.code}</strong> {error.message}
      {error.detail !== undefined && <pre>{JSON.stringify(error.detail, null, 2)}</pre>}
    </section>
  )
}
