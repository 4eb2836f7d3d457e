import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Job } from '../../../src/shared/job'
import type { Schedule, ScheduleDetail } from '../../../src/shared/schedule'
import { ApiError } from '../../../src/shared/wire-error'
import { jobsConcernSchedules, JOBS_REFRESH_MS, POLL_MS, ScheduleFeed, useSchedules } from '../../../src/renderer/src/state/schedules-store'

const schedule = (id: string, patch: Partial<Schedule> = {}): Schedule => ({
  id,
  name: `Schedule ${id}`,
  cron: '0 * * * *',
  timezone: 'UTC',
  kind: 'shell',
  params: {},
  priority: 'normal',
  maxAttempts: null,
  timeoutMs: null,
  lane: null,
  slots: 1,
  enabled: true,
  overlap: 'skip',
  missed: 'once',
  missedWindowMs: null,
  createdAt: '2026-03-04T00:00:00.000Z',
  nextRuns: [],
  lastRun: null,
  ...patch,
})

const job = (id: string, patch: Partial<Job> = {}): Job =>
  ({
    id,
    kind: 'shell',
    name: id,
    params: {},
    priority: 'normal',
    status: 'running',
    progress: { fraction: 0.5, message: null },
    attempts: 1,
    maxAttempts: 3,
    timeoutMs: null,
    ...patch,
  }) as Job

const lastRun = (jobId: string, status: Job['status']): Schedule['lastRun'] => ({
  slot: '2026-03-04T11:00:00.000Z',
  firedAt: '2026-03-04T11:00:00.000Z',
  state: 'enqueued',
  manual: false,
  late: false,
  jobId,
  status,
})

/** An API with a list that can change, counting its reads. */
function fakeApi(initial: Schedule[]) {
  const state = { schedules: initial, lists: 0, details: 0 }
  const api = {
    listSchedules: vi.fn(() => {
      state.lists++
      return Promise.resolve({ schedules: state.schedules })
    }),
    getSchedule: vi.fn(({ id }: { id: string }) => {
      state.details++
      const found = state.schedules.find((s) => s.id === id)
      return found ? Promise.resolve<ScheduleDetail>({ ...found, history: [] }) : Promise.reject(new ApiError('not_found', `No schedule with id ${id}`))
    }),
  }
  return { api, state }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

beforeEach(() => {
  vi.useFakeTimers()
  useSchedules.setState({ schedules: null, details: {}, error: null })
})
afterEach(() => vi.useRealTimers())

describe('the schedules feed', () => {
  it('reads when it starts, then every 15 s while visible, not while the tab is hidden, and at once when it is shown again', async () => {
    let visible = true
    let shown: (() => void) | undefined
    const { api, state } = fakeApi([schedule('a')])
    const feed = new ScheduleFeed(api, {
      visible: () => visible,
      onShown: (listener) => {
        shown = listener
        return () => (shown = undefined)
      },
    })
    const stop = feed.start()
    await settle()
    expect(state.lists).toBe(1)
    expect(useSchedules.getState().schedules?.map((s) => s.id)).toEqual(['a'])
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(state.lists).toBe(2)
    visible = false
    await vi.advanceTimersByTimeAsync(3 * POLL_MS)
    expect(state.lists).toBe(2)
    // Shown again: read at once, not at the next tick.
    visible = true
    shown!()
    await settle()
    expect(state.lists).toBe(3)
    stop()
    expect(shown).toBeUndefined()
    await vi.advanceTimersByTimeAsync(3 * POLL_MS)
    expect(state.lists).toBe(3)
  })

  it('asked again while a read is under way, reads once more after it, not once per ask', async () => {
    const { api, state } = fakeApi([])
    const feed = new ScheduleFeed(api)
    void feed.refresh()
    void feed.refresh()
    void feed.refresh()
    await settle()
    await settle()
    expect(state.lists).toBe(2)
  })

  it('reads after jobs events that concern a schedule, at most once per 2 s', async () => {
    let clock = 0
    const { api, state } = fakeApi([schedule('a', { lastRun: lastRun('J1', 'running') })])
    const feed = new ScheduleFeed(api, { now: () => clock })
    await feed.refresh()
    expect(state.lists).toBe(1)
    // A progress tick of the run already shown: nothing to read.
    feed.jobsChanged([job('J1', { status: 'running' })])
    await settle()
    expect(state.lists).toBe(1)
    // It ended: read now.
    feed.jobsChanged([job('J1', { status: 'succeeded' })])
    await settle()
    expect(state.lists).toBe(2)
    // Again at once: one read, when 2 s have passed since the last.
    clock = 500
    feed.jobsChanged([job('J1', { status: 'failed' })])
    feed.jobsChanged([job('J1', { status: 'cancelled' })])
    await vi.advanceTimersByTimeAsync(JOBS_REFRESH_MS - 600)
    expect(state.lists).toBe(2)
    clock = JOBS_REFRESH_MS
    await vi.advanceTimersByTimeAsync(200)
    expect(state.lists).toBe(3)
  })

  it('keeps the details of the schedules shown in full, and drops one deleted elsewhere', async () => {
    const { api, state } = fakeApi([schedule('a'), schedule('b')])
    const feed = new ScheduleFeed(api)
    await feed.refresh()
    feed.follow('a')
    await settle()
    expect(Object.keys(useSchedules.getState().details)).toEqual(['a'])
    state.schedules = [schedule('b')]
    await feed.refresh()
    expect(useSchedules.getState().details).toEqual({})
    expect(useSchedules.getState().schedules?.map((s) => s.id)).toEqual(['b'])
  })

  it('says why a read failed and keeps what it had', async () => {
    const { api } = fakeApi([schedule('a')])
    const feed = new ScheduleFeed(api)
    await feed.refresh()
    api.listSchedules.mockImplementationOnce(() => Promise.reject(new ApiError('unreachable', 'Offload is not reachable')))
    await feed.refresh()
    expect(useSchedules.getState()).toMatchObject({ error: 'Offload is not reachable', schedules: [{ id: 'a' }] })
  })
})

describe('which jobs events concern the schedules', () => {
  const schedules = [schedule('a', { name: 'Nightly', lastRun: lastRun('J1', 'running') })]

  it('a run shown whose status moved on, or a job with a schedule’s kind and name (one it just made)', () => {
    expect(jobsConcernSchedules([job('J1', { status: 'succeeded' })], schedules, {})).toBe(true)
    expect(jobsConcernSchedules([job('J2', { name: 'Nightly', status: 'queued' })], schedules, {})).toBe(true)
  })

  it('not a progress tick of a run shown, nor another job, nor anything when there are no schedules', () => {
    expect(jobsConcernSchedules([job('J1', { status: 'running' })], schedules, {})).toBe(false)
    expect(jobsConcernSchedules([job('J3', { name: 'Something else' })], schedules, {})).toBe(false)
    expect(jobsConcernSchedules([job('J1', { status: 'succeeded' })], [], {})).toBe(false)
  })

  it('counts runs in the history shown too', () => {
    const detail: ScheduleDetail = { ...schedules[0]!, history: [{ ...lastRun('J0', 'queued')! }] }
    expect(jobsConcernSchedules([job('J0', { status: 'running' })], schedules, { a: detail })).toBe(true)
  })
})
