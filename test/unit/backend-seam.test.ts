import { describe, expect, it } from 'vitest'
import { parseRequest } from '../../src/shared/api'
import type { Capabilities } from '../../src/shared/backend'
import type { BulkResult, Job, ParsedNewJob, Stats } from '../../src/shared/job'
import { createJobHandlers, JOB_METHODS, type Backend } from '../../src/main/backends/backend'
import { BULLMQ_CAPABILITIES, SQLITE_CAPABILITIES } from '../../src/main/backends/capabilities'

const NO_BULK: BulkResult = { changed: [], changedCount: 0, failed: [], failedCount: 0 }

/** A backend in memory that answers at once and writes down what reached it. */
function fakeBackend(capabilities: Capabilities) {
  const added: ParsedNewJob[] = []
  const job = (id: string) => ({ id }) as Job
  const backend: Backend<'now'> = {
    name: 'bullmq',
    capabilities,
    describe: () => ({ name: 'bullmq', location: 'memory', capabilities, workers: [] }),
    add: (input) => (added.push(input), job('one')),
    addMany: (inputs) => (added.push(...inputs), inputs.map((_, i) => `id${i}`)),
    get: job,
    list: () => ({ jobs: [], nextCursor: null, total: 0 }),
    logs: () => [{ seq: 1, at: '2026-12-06T00:00:00.000Z', line: 'hello' }],
    stats: () => ({ paused: false }) as Stats,
    cancel: job,
    retry: job,
    cancelMany: () => Promise.resolve(NO_BULK),
    retryMany: () => Promise.resolve(NO_BULK),
    removeMany: () => Promise.resolve(NO_BULK),
    prioritize: () => Promise.resolve(NO_BULK),
    setPaused: () => undefined,
    subscribe: () => () => undefined,
    close: () => Promise.resolve(),
  }
  return { backend, added }
}

const newJob = (extra: Record<string, unknown> = {}) => parseRequest('createJob', { kind: 'noop', params: {}, ...extra })

describe('the backend seam (createJobHandlers)', () => {
  it('answers the job methods of the contract, and only those', () => {
    const handlers = createJobHandlers(fakeBackend(SQLITE_CAPABILITIES).backend)
    expect(Object.keys(handlers).sort()).toEqual([...JOB_METHODS].sort())
  })

  it('keeps an immediate backend immediate: the in-process API gets values, not promises', () => {
    const handlers = createJobHandlers<'now'>(fakeBackend(SQLITE_CAPABILITIES).backend)
    expect(handlers.createJob(newJob())).toEqual({ id: 'one' })
    expect(handlers.createJobs(parseRequest('createJobs', { jobs: [{ kind: 'noop', params: {} }] }))).toEqual({ ids: ['id0'] })
    expect(handlers.getJobLogs({ id: 'x' })).toEqual({ lines: [{ seq: 1, at: '2026-12-06T00:00:00.000Z', line: 'hello' }] })
    expect(handlers.pauseQueue({})).toEqual({ ok: true })
  })

  it('refuses what a backend lacks by name before anything reaches it', () => {
    const { backend, added } = fakeBackend(BULLMQ_CAPABILITIES)
    const handlers = createJobHandlers(backend)
    const cases = [
      [{ after: ['01J00000000000000000000000'] }, 'dependencies'],
      [{ key: 'k' }, 'keys'],
      [{ hold: true }, 'hold'],
      [{ slots: 2 }, 'slots'],
    ] as const
    for (const [extra, feature] of cases) {
      expect(() => handlers.createJob(newJob(extra))).toThrow(expect.objectContaining({ code: 'unsupported', detail: { feature } }))
      const batch = parseRequest('createJobs', {
        jobs: [
          { kind: 'noop', params: {} },
          { kind: 'noop', params: {}, ...extra },
        ],
      })
      expect(() => handlers.createJobs(batch)).toThrow(
        expect.objectContaining({ code: 'unsupported', message: expect.stringMatching(/^jobs\.1: The BullMQ backend/) }),
      )
    }
    expect(added).toEqual([])
  })

  it('lets every feature through to a backend that has them all', () => {
    const { backend, added } = fakeBackend(SQLITE_CAPABILITIES)
    createJobHandlers(backend).createJob(newJob({ key: 'k', hold: true, slots: 2 }))
    expect(added).toHaveLength(1)
  })
})
