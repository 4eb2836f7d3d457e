import { useEffect, useState } from 'react'
import type { KindReport, StatsRange, StatsReport, StatsSummary } from '../../../shared/job'
import { STATS_RANGES } from '../../../shared/vocabulary'
import { useTransport } from '../context'
import { formatDuration } from '../format'
import { useApp } from '../state/app-store'
import { ThroughputChart } from './ThroughputChart'

/** Read again this often while the view is open: the buckets it shows are minutes wide, at their finest. */
const REFRESH_MS = 5000
const RANGE_LABELS: Record<StatsRange, string> = { '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days' }

const percent = (rate: number | null): string => (rate === null ? '—' : `${(rate * 100).toFixed(rate < 0.1 && rate > 0 ? 1 : 0)} %`)
const ms = (v: number | undefined): string => (v === undefined ? '—' : formatDuration(v))

/** How the queue has done: what ended and how, how long jobs ran and waited, by kind — from what the engine keeps. */
export function StatsView() {
  const { transport } = useTransport()
  const online = useApp((s) => s.connection === 'open')
  const [range, setRange] = useState<StatsRange>('24h')
  const [report, setReport] = useState<StatsReport | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (!online) return
    let stopped = false
    const load = (): void =>
      void transport.api.getStatsReport({ range }).then(
        (r) => {
          if (stopped) return
          setReport(r)
          setError(null)
        },
        (e: unknown) => !stopped && setError(e instanceof Error ? e.message : String(e)),
      )
    load()
    const timer = setInterval(load, REFRESH_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [transport, range, online])

  return (
    <section className="stats-view" aria-label="Stats">
      <div className="stats-head">
        <h2>Stats</h2>
        <div className="segmented" role="radiogroup" aria-label="Period">
          {(Object.keys(STATS_RANGES) as StatsRange[]).map((r) => (
            <button key={r} type="button" role="radio" aria-checked={range === r} onClick={() => setRange(r)}>
              {RANGE_LABELS[r]}
            </button>
          ))}
        </div>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {report ? <Report report={report} /> : !error && <p className="muted">Loading…</p>}
    </section>
  )
}

function Report({ report }: { report: StatsReport }) {
  const t = report.totals
  return (
    <>
      <Summary summary={t} />
      <ThroughputChart report={report} />
      <h3>By kind</h3>
      {report.kinds.length === 0 ? <p className="muted">No jobs in this period.</p> : <KindTable kinds={report.kinds} />}
      <p className="muted small">
        Counted as jobs end: a job retried after failing counts once as failed, then again however it ends. Times are estimates within about 5 %; waits are from
        when a job was due to when it began.
      </p>
    </>
  )
}

function Summary({ summary: t }: { summary: StatsSummary }) {
  const cards: [string, string, string?][] = [
    [
      'Ended',
      t.finished.toLocaleString(),
      `${t.succeeded.toLocaleString()} succeeded · ${t.failed.toLocaleString()} failed · ${t.cancelled.toLocaleString()} cancelled`,
    ],
    ['Failure rate', percent(t.failureRate), 'of those that succeeded or failed'],
    [
      'Run time',
      ms(t.durationMs?.p50),
      t.durationMs ? `median · p90 ${ms(t.durationMs.p90)} · p99 ${ms(t.durationMs.p99)} · longest ${ms(t.durationMs.max)}` : 'median',
    ],
    ['Wait in queue', ms(t.waitMs?.p50), t.waitMs ? `median · p90 ${ms(t.waitMs.p90)} · p99 ${ms(t.waitMs.p99)}` : 'median'],
    ['Now', `${t.counts.running.toLocaleString()} running`, `${t.counts.queued.toLocaleString()} queued`],
  ]
  return (
    <dl className="stat-cards">
      {cards.map(([label, value, note]) => (
        <div className="stat-card" key={label}>
          <dt>{label}</dt>
          <dd>
            <span className="stat-value">{value}</span>
            {note && <span className="stat-note">{note}</span>}
          </dd>
        </div>
      ))}
    </dl>
  )
}

function KindTable({ kinds }: { kinds: KindReport[] }) {
  return (
    <div className="table-scroll">
      <table className="kind-table">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Queued</th>
            <th scope="col">Running</th>
            <th scope="col">Ended</th>
            <th scope="col">Failed</th>
            <th scope="col">Failure rate</th>
            <th scope="col">Run time p50</th>
            <th scope="col">p90</th>
            <th scope="col">p99</th>
            <th scope="col">Wait p50</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map((k) => (
            <tr key={k.kind}>
              <th scope="row">{k.kind}</th>
              <td>{k.counts.queued.toLocaleString()}</td>
              <td>{k.counts.running.toLocaleString()}</td>
              <td>{k.finished.toLocaleString()}</td>
              <td>{k.failed.toLocaleString()}</td>
              <td>{percent(k.failureRate)}</td>
              <td>{ms(k.durationMs?.p50)}</td>
              <td>{ms(k.durationMs?.p90)}</td>
              <td>{ms(k.durationMs?.p99)}</td>
              <td>{ms(k.waitMs?.p50)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
