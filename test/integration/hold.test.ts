import { describe, expect, it } from 'vitest'
import { dataDirWithKinds, httpApi, startHost, waitForStatus } from '../helpers'

describe('held jobs', () => {
  it('a held job waits until released, then runs; it can be cancelled or re-prioritized while held', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const held = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, hold: true })
    expect(held.status).toBe('held')
    const other = host.api.createJob({ kind: 'sleep', params: { ms: 0 } })
    await waitForStatus(host, other.id, 'succeeded')
    expect(host.api.getJob({ id: held.id }).status).toBe('held')
    expect(host.engine.stats().counts.held).toBe(1)
    await host.api.setPriority({ ids: [held.id], priority: 'urgent' })
    expect(host.api.getJob({ id: held.id }).priority).toBe('urgent')
    expect(host.api.releaseJob({ id: held.id }).status).toBe('queued')
    await waitForStatus(host, held.id, 'succeeded')
    const cancelled = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, hold: true })
    expect(host.api.cancelJob({ id: cancelled.id }).status).toBe('cancelled')
  })

  it('released before its time, a held job with a time waits for it as scheduled', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const job = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, hold: true, delayMs: 60_000 })
    expect(job.status).toBe('held')
    expect(host.api.releaseJob({ id: job.id }).status).toBe('scheduled')
  })

  it('held jobs stay held across a restart, and are released in bulk', async () => {
    const dataDir = dataDirWithKinds(['sleep.mjs'])
    const first = await startHost({ dataDir })
    const { ids } = first.api.createJobs({ jobs: Array.from({ length: 5 }, (_, i) => ({ kind: 'sleep', name: `stash ${i}`, params: { ms: 0 }, hold: true })) })
    await first.close(0)
    const second = await startHost({ dataDir })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(ids.map((id) => second.api.getJob({ id }).status)).toEqual(Array(5).fill('held'))
    const result = await second.api.releaseJobs({ filter: { status: 'held' } })
    expect(result.changedCount).toBe(5)
    for (const id of ids) await waitForStatus(second, id, 'succeeded')
  })

  it('only a held job can be released; an unknown id is a 404, a bad hold a 400', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const api = await httpApi(host)
    const running = host.api.createJob({ kind: 'sleep', params: { ms: 0 } })
    await waitForStatus(host, running.id, 'succeeded')
    const wrong = await api('POST', `/api/jobs/${running.id}/release`)
    expect([wrong.status, wrong.body.error.code, wrong.body.error.message]).toEqual([
      409,
      'wrong_state',
      `Job ${running.id} is succeeded; only held jobs can be released`,
    ])
    const missing = await api('POST', '/api/jobs/01JZZZZZZZZZZZZZZZZZZZZZZZ/release')
    expect(missing.status).toBe(404)
    const bad = await api('POST', '/api/jobs', { kind: 'sleep', params: { ms: 0 }, hold: 'yes' })
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_input'])
    expect(host.api.listJobs({ limit: 10 }).jobs).toHaveLength(1)
  })
})
