import { describe, expect, it } from 'vitest'
import type { ApiClient } from '../../../src/shared/api'
import type { Job } from '../../../src/shared/job'
import { PAGE_SIZE, PageLoader, useJobs, withoutIds } from '../../../src/renderer/src/state/jobs-store'

const ids = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `j${from + i}`)

describe('taking jobs out of the loaded pages', () => {
  it('closes up each run of consecutive pages so every row keeps its index', () => {
    const pages = { 0: ids(0, PAGE_SIZE), 1: ids(PAGE_SIZE, PAGE_SIZE), 5: ids(5 * PAGE_SIZE, PAGE_SIZE) }
    const { pages: out, removed } = withoutIds(pages, new Set(['j3', 'j150', 'j501', 'elsewhere']))
    expect(removed).toBe(3)
    expect(out[0]).toEqual([...ids(0, 3), ...ids(4, PAGE_SIZE - 3)])
    // Page 1 moved up by the one row page 0 lost, and by its own.
    expect(out[1]![0]).toBe(`j${PAGE_SIZE + 1}`)
    expect(out[1]).not.toContain('j150')
    expect(out[1]).toHaveLength(PAGE_SIZE - 2)
    expect(out[5]).toEqual(ids(5 * PAGE_SIZE, PAGE_SIZE).filter((id) => id !== 'j501'))
  })

  it('leaves the pages as they were when none of the ids is loaded', () => {
    const pages = { 2: ids(200, 40) }
    expect(withoutIds(pages, new Set(['nope']))).toEqual({ pages, removed: 0 })
  })
})

describe('a page that loads while a selected job changes', () => {
  const job = (id: string, status: Job['status']): Job => ({
    id,
    kind: 'sleep',
    name: id,
    params: {},
    priority: 'normal',
    status,
    progress: { fraction: 0, message: null },
    attempts: 0,
    maxAttempts: 3,
    timeoutMs: null,
    createdAt: '2026-12-02T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    runAfter: '2026-12-02T00:00:00.000Z',
    result: null,
    summary: null,
    lane: 'default',
    slots: 1,
    dependsOn: 0,
    waitingOn: 0,
    onDependencyFailure: 'fail',
    key: null,
    maxMemoryMb: null,
    usage: null,
    error: null,
  })

  it('still hears the event that takes the job out of the selection, after the refresh that no longer lists it', async () => {
    let rows = [job('a', 'queued'), job('b', 'queued')]
    const api = { listJobs: async () => ({ jobs: rows, nextCursor: null, total: rows.length }) } as unknown as ApiClient
    const loader = new PageLoader(api)
    useJobs.getState().setFilter({ status: 'queued' })
    loader.show(0, 10)
    await loader.refresh()
    useJobs.getState().toggleSelected('a')
    useJobs.getState().toggleSelected('b')

    // "a" is cancelled: the refresh asked after that comes back before the event does.
    rows = [job('b', 'queued')]
    await loader.refresh()
    useJobs.getState().applyChanges([job('a', 'cancelled')])
    expect([...useJobs.getState().selected]).toEqual(['b'])
    expect(useJobs.getState().pages[0]).toEqual(['b'])
  })
})
