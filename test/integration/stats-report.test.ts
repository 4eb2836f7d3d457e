import { describe, expect, it } from 'vitest'
import type { StatsReport } from '../../src/shared/job'
import { httpApi, startHost, waitForStatus } from '../helpers'

const ended = (report: StatsReport) => report.throughput.reduce((n, b) => n + b.succeeded + b.failed + b.cancelled, 0)

describe('stats report over real jobs', () => {
  it('counts what real workers did, estimates its times, and keeps the history when the jobs go', async () => {
    const host = await startHost({ kinds: ['noop.mjs', 'sleep.mjs'], engine: { concurrency: 2 } })
    const call = await httpApi(host)
    const ok = Array.from({ length: 6 }, (_, i) => host.api.createJob({ kind: 'shell', params: { command: 'sleep 0.2' }, name: `ok ${i}` }).id)
    const bad = Array.from({ length: 2 }, (_, i) => host.api.createJob({ kind: 'shell', params: { command: 'exit 1' }, maxAttempts: 1, name: `bad ${i}` }).id)
    const quick = Array.from({ length: 3 }, () => host.api.createJob({ kind: 'noop' }).id)
    await Promise.all([
      ...ok.map((id) => waitForStatus(host, id, 'succeeded')),
      ...bad.map((id) => waitForStatus(host, id, 'failed')),
      ...quick.map((id) => waitForStatus(host, id, 'succeeded')),
    ])
    await call('POST', '/api/queue/pause')
    host.api.cancelJob({ id: host.api.createJob({ kind: 'shell', params: { command: 'true' } }).id })
    host.api.createJob({ kind: 'sleep', params: { ms: 1 } })

    const { status, body } = await call('GET', '/api/stats/report?range=1h')
    const report: StatsReport = body
    expect(status).toBe(200)
    expect([report.range, report.bucketSeconds, report.throughput.length]).toEqual(['1h', 60, 60])
    expect(report.kinds.map((k) => [k.kind, k.finished])).toEqual([
      ['shell', 9],
      ['noop', 3],
      ['sleep', 0],
    ])
    const [shell, noop, sleep] = report.kinds
    expect(shell).toMatchObject({
      counts: { held: 0, waiting: 0, scheduled: 0, queued: 0, running: 0, succeeded: 6, failed: 2, cancelled: 1 },
      succeeded: 6,
      failed: 2,
      cancelled: 1,
      failureRate: 0.25,
    })
    // Six runs of `sleep 0.2` and two quick failures: the median and up are the sleeps.
    const runs = shell!.durationMs!
    expect(runs.p50).toBeGreaterThanOrEqual(190)
    expect(runs.p50).toBeLessThan(5000)
    expect(runs.p50).toBeLessThanOrEqual(runs.p90)
    expect(runs.p90).toBeLessThanOrEqual(runs.p99)
    expect(runs.p99).toBeLessThanOrEqual(runs.max)
    const waits = shell!.waitMs!
    expect(waits.p50).toBeGreaterThanOrEqual(0)
    expect(waits.p50).toBeLessThanOrEqual(waits.p99)
    expect(waits.p99).toBeLessThan(20_000)
    expect(noop).toMatchObject({ succeeded: 3, failureRate: 0, counts: { succeeded: 3 } })
    expect(noop!.durationMs!.max).toBeLessThan(runs.p50)
    expect(sleep).toMatchObject({ counts: { queued: 1 }, finished: 0, failureRate: null, durationMs: null, waitMs: null })
    expect(report.totals).toMatchObject({ finished: 12, succeeded: 9, failed: 2, cancelled: 1, counts: { queued: 1, succeeded: 9, failed: 2, cancelled: 1 } })
    expect(report.totals.failureRate).toBeCloseTo(2 / 11)
    expect(report.totals.durationMs!.max).toBe(runs.max)
    expect(ended(report)).toBe(12)

    // The default range, and the week: the same endings, in wider buckets.
    const day = (await call('GET', '/api/stats/report')).body as StatsReport
    expect([day.range, day.bucketSeconds, day.throughput.length, ended(day)]).toEqual(['24h', 900, 96, 12])
    const week = (await call('GET', '/api/stats/report?range=7d')).body as StatsReport
    expect([week.bucketSeconds, week.throughput.length, ended(week), week.totals.finished]).toEqual([3600, 168, 12, 12])

    // "Clear finished" empties the list, not the history.
    const cleared = (await call('POST', '/api/jobs/remove', { filter: { status: ['succeeded', 'failed', 'cancelled'] } })).body
    expect(cleared.changedCount).toBe(12)
    const after = (await call('GET', '/api/stats/report?range=1h')).body as StatsReport
    expect(after.kinds.map((k) => [k.kind, k.finished, k.counts.succeeded])).toEqual([
      ['shell', 9, 0],
      ['noop', 3, 0],
      ['sleep', 0, 0],
    ])
    expect(after.kinds[0]).toMatchObject({ failureRate: 0.25, durationMs: runs, waitMs: waits })
    expect(after.throughput).toEqual(report.throughput)
    expect(after.totals.counts).toEqual({ held: 0, waiting: 0, scheduled: 0, queued: 1, running: 0, succeeded: 0, failed: 0, cancelled: 0 })

    // The report reads only the kept buckets: rows gone from the jobs table behind the store's back leave it as it was.
    host.db.prepare('DELETE FROM jobs').run()
    const behind = (await call('GET', '/api/stats/report?range=1h')).body as StatsReport
    expect(behind.totals).toMatchObject({ finished: 12, durationMs: report.totals.durationMs, waitMs: report.totals.waitMs })

    // And so does a restart.
    await host.close(0)
    const again = await startHost({ dataDir: host.dataDir })
    expect(again.api.getStatsReport({ range: '1h' }).totals).toMatchObject({ finished: 12, failed: 2, durationMs: report.totals.durationMs })
  })

  it('refuses a range it does not know, with a typed error', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    const call = await httpApi(host)
    for (const query of ['?range=30d', '?range=', '?range=1H', '?from=0']) {
      const res = await call('GET', `/api/stats/report${query}`)
      expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'invalid_input'])
    }
    expect((await call('GET', '/api/stats/report?range=30d')).body.error.message).toContain('range')
    expect(() => host.api.getStatsReport({ range: '2h' as never })).toThrowError(expect.objectContaining({ code: 'invalid_input' }))
  })
})
