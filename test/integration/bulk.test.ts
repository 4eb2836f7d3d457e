import { describe, expect, it, vi } from 'vitest'
import { MAX_BULK } from '../../src/shared/job'
import { httpApi, startHost, waitForStatus } from '../helpers'

const MISSING = '01J00000000000000000000000'

async function pausedApi() {
  const host = await startHost({ kinds: ['noop.mjs', 'sleep.mjs'] })
  const call = await httpApi(host)
  await call('POST', '/api/queue/pause')
  return { host, call }
}

/** Every job's status, by name. */
function statuses(host: Awaited<ReturnType<typeof startHost>>): Map<string, string> {
  const rows = host.db.prepare('SELECT name, status FROM jobs').all() as { name: string; status: string }[]
  return new Map(rows.map((r) => [r.name, r.status]))
}

describe('bulk actions on a filter', () => {
  it('act on every one of 3,000 matching jobs, a chunk per transaction, and on nothing else', async () => {
    const { host, call } = await pausedApi()
    await call('POST', '/api/jobs/batch', { jobs: Array.from({ length: 3000 }, (_, i) => ({ kind: 'noop', name: `many ${i}` })) })
    await call('POST', '/api/jobs/batch', { jobs: Array.from({ length: 5 }, (_, i) => ({ kind: 'sleep', params: { ms: 1 }, name: `other ${i}` })) })
    const others = () => [...statuses(host)].filter(([name]) => name.startsWith('other')).map(([, status]) => status)
    const changes = vi.spyOn(host.engine, 'jobsChanged')

    const cancelled = (await call('POST', '/api/jobs/cancel', { filter: { kind: 'noop', status: 'queued' } })).body
    expect(cancelled).toMatchObject({ changedCount: 3000, failedCount: 0, failed: [] })
    expect(cancelled.changed).toHaveLength(MAX_BULK)
    expect(new Set(cancelled.changed).size).toBe(MAX_BULK)
    // One notification a chunk, not one a job.
    expect(changes).toHaveBeenCalledTimes(3)
    expect(changes.mock.calls.map(([jobs]) => jobs.length)).toEqual([1000, 1000, 1000])
    expect(host.engine.stats().counts).toMatchObject({ queued: 5, cancelled: 3000 })
    expect(others()).toEqual(['queued', 'queued', 'queued', 'queued', 'queued'])

    const priority = (await call('POST', '/api/jobs/priority', { filter: { kind: 'sleep' }, priority: 'urgent' })).body
    expect(priority).toMatchObject({ changedCount: 5, failedCount: 0 })
    expect((await call('GET', '/api/jobs?kind=sleep')).body.jobs.map((j: { priority: string }) => j.priority)).toEqual(Array(5).fill('urgent'))

    // "Retry all failed" (here: cancelled) puts them all back, and only them.
    expect((await call('POST', '/api/jobs/retry', { filter: { status: 'cancelled' } })).body).toMatchObject({ changedCount: 3000, failedCount: 0 })
    expect(host.engine.stats().counts).toMatchObject({ queued: 3005, cancelled: 0 })

    // A name search and a status list, over the 3,000: names ending in 7 are 300 of them.
    await call('POST', '/api/jobs/cancel', { filter: { q: '7', kind: 'noop' } })
    const sevens = [...statuses(host)].filter(([name]) => name.includes('7'))
    expect(sevens.every(([, status]) => status === 'cancelled')).toBe(true)
    expect(host.engine.stats().counts.cancelled).toBe(sevens.length)

    // "Clear finished".
    changes.mockClear()
    const cleared = (await call('POST', '/api/jobs/remove', { filter: { status: ['succeeded', 'failed', 'cancelled'] } })).body
    expect(cleared).toMatchObject({ changedCount: sevens.length, failedCount: 0 })
    expect(changes).toHaveBeenCalledTimes(1)
    expect(host.engine.stats().counts).toMatchObject({ queued: 3005 - sevens.length, cancelled: 0 })
    const cleanAll = (await call('POST', '/api/jobs/remove', { filter: { kind: 'noop' } })).body
    expect(cleanAll.changedCount).toBe(3000 - sevens.length)
    expect(others()).toEqual(['queued', 'queued', 'queued', 'queued', 'queued'])
    expect(host.engine.stats().counts).toMatchObject({ queued: 5 })
  })

  it('a filter that matches nothing changes nothing; a job added after the call began is not touched', async () => {
    const { host, call } = await pausedApi()
    expect((await call('POST', '/api/jobs/remove', { filter: {} })).body).toEqual({ changed: [], changedCount: 0, failed: [], failedCount: 0 })
    await call('POST', '/api/jobs/batch', { jobs: Array.from({ length: 2500 }, () => ({ kind: 'noop' })) })
    // Once the first chunk is done, a new job arrives: it sorts after the newest id when the call began.
    let late: string | undefined
    vi.spyOn(host.engine, 'jobsChanged').mockImplementationOnce(() => (late = host.api.createJob({ kind: 'noop', name: 'late' }).id))
    const removed = (await call('POST', '/api/jobs/remove', { filter: { kind: 'noop' } })).body
    expect(removed.changedCount).toBe(2500)
    expect(late).toBeDefined()
    expect(host.api.getJob({ id: late! }).status).toBe('queued')
    expect((await call('POST', '/api/jobs/cancel', { filter: { status: 'failed' } })).body.changedCount).toBe(0)
  })

  it('reports running jobs, by name, instead of removing them', async () => {
    const { host, call } = await pausedApi()
    const running = (await call('POST', '/api/jobs', { kind: 'sleep', params: { ms: 60_000 }, name: 'long one' })).body
    const done = (await call('POST', '/api/jobs', { kind: 'noop', name: 'quick one' })).body
    await call('POST', '/api/queue/resume')
    await waitForStatus(host, running.id, 'running')
    await waitForStatus(host, done.id, 'succeeded')
    const removed = (await call('POST', '/api/jobs/remove', { filter: {} })).body
    expect(removed).toEqual({
      changed: [done.id],
      changedCount: 1,
      failed: [{ id: running.id, name: 'long one', code: 'wrong_state', message: `Job ${running.id} is running; cancel it before removing it` }],
      failedCount: 1,
    })
    expect(host.api.getJob({ id: running.id }).status).toBe('running')
    const byIds = (await call('POST', '/api/jobs/cancel', { ids: [running.id, done.id, MISSING] })).body
    expect(byIds).toMatchObject({ changed: [running.id], changedCount: 1, failedCount: 2 })
    expect(byIds.failed).toEqual([
      { id: done.id, name: null, code: 'not_found', message: `No job with id ${done.id}` },
      { id: MISSING, name: null, code: 'not_found', message: `No job with id ${MISSING}` },
    ])
    await waitForStatus(host, running.id, 'cancelled')
    // By filter, an action takes only the jobs it applies to: cancelling "every cancelled job" is nothing to do, not a refusal each.
    const again = (await call('POST', '/api/jobs/cancel', { filter: { status: 'cancelled' } })).body
    expect(again).toEqual({ changed: [], changedCount: 0, failed: [], failedCount: 0 })
    const everything = (await call('POST', '/api/jobs/cancel', { filter: {} })).body
    expect(everything).toMatchObject({ changedCount: 0, failedCount: 0 })
  })

  it('lists at most 100 failures but counts them all', async () => {
    const { call } = await pausedApi()
    const { ids } = (await call('POST', '/api/jobs/batch', { jobs: Array.from({ length: 150 }, (_, i) => ({ kind: 'noop', name: `queued ${i}` })) })).body
    const refused = (await call('POST', '/api/jobs/retry', { ids })).body
    expect(refused).toMatchObject({ changed: [], changedCount: 0, failedCount: 150 })
    expect(refused.failed).toHaveLength(100)
    expect(refused.failed[0]).toMatchObject({ name: 'queued 0', code: 'wrong_state' })
  })

  it('refuses ids and a filter together, neither, or a bad filter, with a typed error that changes nothing', async () => {
    const { host, call } = await pausedApi()
    const job = (await call('POST', '/api/jobs', { kind: 'noop', name: 'kept' })).body
    const before = JSON.stringify(host.engine.stats())
    const cases: [string, unknown, string][] = [
      ['/api/jobs/remove', { ids: [job.id], filter: { status: 'queued' } }, 'filter: Give ids or a filter, not both'],
      ['/api/jobs/cancel', { ids: [job.id], filter: {} }, 'filter: Give ids or a filter, not both'],
      ['/api/jobs/remove', {}, 'Give the jobs to act on: ids, or a filter'],
      ['/api/jobs/priority', { priority: 'high' }, 'Give the jobs to act on: ids, or a filter'],
      ['/api/jobs/priority', { filter: {} }, 'priority'],
      ['/api/jobs/remove', { filter: { status: [] } }, 'filter.status'],
      ['/api/jobs/remove', { filter: { status: 'done' } }, 'filter.status'],
      ['/api/jobs/remove', { filter: { status: ['queued', 'nope'] } }, 'filter.status'],
      ['/api/jobs/remove', { filter: { kind: '' } }, 'filter.kind'],
      ['/api/jobs/remove', { filter: { q: 'x'.repeat(201) } }, 'filter.q'],
      ['/api/jobs/remove', { filter: { stauts: 'queued' } }, 'stauts'],
      ['/api/jobs/remove', { filter: 'queued' }, 'filter'],
      ['/api/jobs/retry', { filter: null }, 'filter'],
      ['/api/jobs/remove', { ids: [] }, 'ids'],
    ]
    for (const [path, body, said] of cases) {
      const res = await call('POST', path, body)
      expect([path, body, res.status, res.body.error.code]).toEqual([path, body, 400, 'invalid_input'])
      expect(res.body.error.message).toContain(said)
    }
    expect(JSON.stringify(host.engine.stats())).toBe(before)
    expect(host.api.getJob({ id: job.id })).toMatchObject({ status: 'queued', name: 'kept' })
    // The in-process API refuses the same way, as a rejected promise.
    await expect(host.api.removeJobs({})).rejects.toMatchObject({ code: 'invalid_input' })
  })
})
