import type { StatsReport, StatsRange } from '../../../shared/job'

const WIDTH = 720
const HEIGHT = 200
const PAD = { left: 44, right: 8, top: 10, bottom: 26 }
const X_LABELS = 6

/** The smallest of 1, 2, 5 × 10ⁿ at or above `n`: a y-axis top people read at a glance. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(n))
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= n) ?? 10 * power
}

function timeLabel(iso: string, range: StatsRange): string {
  const date = new Date(iso)
  return range === '7d'
    ? date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })
    : date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
}

/** Jobs that ended, per bucket, stacked by outcome, with both axes labelled; the figures are in its accessible name. */
export function ThroughputChart({ report }: { report: StatsReport }) {
  const buckets = report.throughput
  const totals = buckets.map((b) => b.succeeded + b.failed + b.cancelled)
  const top = niceCeiling(Math.max(0, ...totals))
  const plotW = WIDTH - PAD.left - PAD.right
  const plotH = HEIGHT - PAD.top - PAD.bottom
  const bar = plotW / Math.max(1, buckets.length)
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH
  const every = Math.max(1, Math.ceil(buckets.length / X_LABELS))
  const per = report.bucketSeconds >= 3600 ? `${report.bucketSeconds / 3600} h` : `${report.bucketSeconds / 60} min`
  const sum = totals.reduce((a, b) => a + b, 0)
  const peak = Math.max(0, ...totals)
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Jobs ended per ${per}: ${sum.toLocaleString()} in all, at most ${peak.toLocaleString()} in one ${per}`}
      >
        {[0, top / 2, top].map((v) => (
          <g key={v} className="grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end">
              {v.toLocaleString()}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const x = PAD.left + i * bar + 0.5
          const w = Math.max(1, bar - 1)
          let base = 0
          return (
            <g key={b.at}>
              {(['succeeded', 'failed', 'cancelled'] as const).map((outcome) => {
                const v = b[outcome]
                if (v === 0) return null
                const rect = <rect key={outcome} className={outcome} x={x} width={w} y={y(base + v)} height={y(base) - y(base + v)} />
                base += v
                return rect
              })}
              {i % every === 0 && (
                <text className="axis" x={x} y={HEIGHT - 8}>
                  {timeLabel(b.at, report.range)}
                </text>
              )}
            </g>
          )
        })}
      </svg>
      <figcaption>
        Jobs ended per {per} · <span className="key succeeded">succeeded</span> <span className="key failed">failed</span>{' '}
        <span className="key cancelled">cancelled</span>
      </figcaption>
    </figure>
  )
}
