import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { OffloadEvent } from '../../../src/shared/api'
import type { Job, JobStatus, Stats } from '../../../src/shared/job'
import { EventBatcher } from '../../../src/main/desktop/event-batcher'
import { onWindowClose, quitQuestion } from '../../../src/main/desktop/lifecycle'
import { NotificationGrouper, type NotificationSummary } from '../../../src/shared/notification-grouper'
import { batteryConcurrency, userActive } from '../../../src/main/desktop/power-policy'
import { trayMenu, trayTooltip } from '../../../src/main/desktop/tray-model'
import { storageNotice } from '../../../src/main/desktop/storage-notice'
import { isTrustedSender } from '../../../src/main/desktop/trusted-sender'

function stats(counts: Partial<Stats['counts']>, paused = false): Stats {
  return {
    counts: { held: 0, waiting: 0, scheduled: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, ...counts },
    workers: { busy: 0, idle: 0, max: 2 },
    paused,
    finished: [],
    storage: { status: 'ok', message: null, since: null },
    hours: { quiet: false, until: null, kinds: [], held: 0 },
    throttle: { limit: 2, reason: null },
  }
}

let serial = 0
function job(status: JobStatus, overrides: Partial<Job> = {}): Job {
  serial++
  return {
    id: `job-${serial}`,
    kind: 'shell',
    name: `job ${serial}`,
    params: {},
    priority: 'normal',
    status,
    progress: { fraction: 1, message: null },
    attempts: 1,
    maxAttempts: 3,
    timeoutMs: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: `2026-01-01T00:00:0${serial % 10}.000Z`,
    runAfter: '2026-01-01T00:00:00.000Z',
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
    error: status === 'failed' ? { code: 'exit_code', message: 'exited with code 1' } : null,
    ...overrides,
  }
}

describe('tray', () => {
  it('says what is running and queued', () => {
    expect(trayTooltip(stats({ running: 3, queued: 12 }))).toBe('Offload — 3 running · 12 queued')
    expect(trayTooltip(stats({ queued: 4 }, true))).toBe('Offload — Paused · 4 queued')
    expect(trayTooltip(stats({ succeeded: 9 }))).toBe('Offload — Idle')
    expect(trayTooltip({ ...stats({ queued: 4 }), hours: { quiet: true, until: null, kinds: [], held: 0 } })).toBe('Offload — Quiet hours · 4 queued')
  })

  it('offers Pause all or Resume, whichever applies', () => {
    expect(trayMenu(stats({})).map((i) => ('label' in i ? i.action : '-'))).toEqual(['show', 'pause', '-', 'quit'])
    expect(trayMenu(stats({}, true)).map((i) => ('label' in i ? i.label : '-'))).toEqual(['Show Offload', 'Resume', '-', 'Quit'])
  })
})

describe('power policy', () => {
  it('on battery runs half as many jobs, at least one, unless the user chose a number', () => {
    expect(batteryConcurrency({ concurrency: 8, batteryConcurrency: null })).toBe(4)
    expect(batteryConcurrency({ concurrency: 1, batteryConcurrency: null })).toBe(1)
    expect(batteryConcurrency({ concurrency: 3, batteryConcurrency: null })).toBe(1)
    expect(batteryConcurrency({ concurrency: 8, batteryConcurrency: 6 })).toBe(6)
  })

  it('someone who touched the keyboard or mouse within the last minute is using the computer', () => {
    expect(userActive(0)).toBe(true)
    expect(userActive(59)).toBe(true)
    expect(userActive(60)).toBe(false)
  })
})

describe('window close and quit', () => {
  it('hides to the tray while work remains, if the user wants that', () => {
    expect(onWindowClose({ quitting: false, closeToTray: true, activeJobs: 2 })).toBe('hide')
    expect(onWindowClose({ quitting: false, closeToTray: true, activeJobs: 0 })).toBe('close')
    expect(onWindowClose({ quitting: false, closeToTray: false, activeJobs: 2 })).toBe('close')
    expect(onWindowClose({ quitting: true, closeToTray: true, activeJobs: 2 })).toBe('close')
  })

  it('asks before quitting only when jobs are running', () => {
    expect(quitQuestion(0, 10)).toBeNull()
    expect(quitQuestion(1, 0)?.message).toBe('1 job is still running. Quit Offload?')
    expect(quitQuestion(3, 2)?.detail).toContain('2 queued jobs will wait too')
  })
})

describe('trusted sender', () => {
  const built = 'file:///opt/Offload/resources/app.asar/out/renderer/index.html'
  it('accepts only the main frame of the app page', () => {
    expect(isTrustedSender({ url: built, isMainFrame: true }, built)).toBe(true)
    expect(isTrustedSender({ url: `${built}#/jobs/1`, isMainFrame: true }, built)).toBe(true)
    expect(isTrustedSender({ url: built, isMainFrame: false }, built)).toBe(false)
    expect(isTrustedSender({ url: 'file:///tmp/evil.html', isMainFrame: true }, built)).toBe(false)
    expect(isTrustedSender({ url: 'https://example.com/', isMainFrame: true }, built)).toBe(false)
    expect(isTrustedSender(null, built)).toBe(false)
    expect(isTrustedSender({ url: 'not a url', isMainFrame: true }, built)).toBe(false)
  })

  it('in development, accepts the dev server origin only', () => {
    expect(isTrustedSender({ url: 'http://localhost:5173/index.html', isMainFrame: true }, 'http://localhost:5173/')).toBe(true)
    expect(isTrustedSender({ url: 'http://localhost:5174/', isMainFrame: true }, 'http://localhost:5173/')).toBe(false)
  })
})

describe('notification grouping', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function grouper(settings = { notifyOnSuccess: true, notifyOnFailure: true }) {
    const shown: NotificationSummary[] = []
    return {
      shown,
      grouper: new NotificationGrouper(
        () => settings,
        (s) => shown.push(s),
        { quietMs: 1000, maxWaitMs: 4000 },
      ),
    }
  }

  it('one job finishing gives one notification about that job', () => {
    const { shown, grouper: g } = grouper()
    const done = job('succeeded', { name: 'Hash photos', progress: { fraction: 1, message: '812 files' } })
    g.jobsChanged([job('running'), done])
    vi.advanceTimersByTime(999)
    expect(shown).toEqual([])
    vi.advanceTimersByTime(1)
    expect(shown).toEqual([{ title: 'Finished: Hash photos', body: '812 files', reveal: { jobId: done.id } }])
  })

  it('many finishing within a few seconds give one summary that opens the filtered list', () => {
    const { shown, grouper: g } = grouper()
    for (let i = 0; i < 11; i++) {
      g.jobsChanged([job('succeeded')])
      vi.advanceTimersByTime(200)
    }
    const failed = job('failed')
    g.jobsChanged([failed, failed])
    vi.advanceTimersByTime(1000)
    expect(shown).toHaveLength(1)
    expect(shown[0]).toMatchObject({ title: '11 jobs finished · 1 failed', reveal: { status: 'failed' } })
    expect(shown[0]!.body).toMatch(/ and 9 more$/)
  })

  it('a steady stream still notifies every few seconds', () => {
    const { shown, grouper: g } = grouper()
    for (let i = 0; i < 20; i++) {
      g.jobsChanged([job('succeeded')])
      vi.advanceTimersByTime(500)
    }
    expect(shown.length).toBe(2)
    expect(shown[0]!.title).toBe('8 jobs finished')
  })

  it('respects the settings for successes and failures', () => {
    const { shown, grouper: g } = grouper({ notifyOnSuccess: false, notifyOnFailure: true })
    g.jobsChanged([job('succeeded'), job('succeeded')])
    vi.advanceTimersByTime(5000)
    expect(shown).toEqual([])
    g.jobsChanged([job('failed', { name: 'backup' })])
    vi.advanceTimersByTime(1000)
    expect(shown.map((s) => s.title)).toEqual(['Failed: backup'])
  })
})

describe('event batching per window', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('sends a quiet event at once and a flood at most ten times a second, latest state per job', () => {
    const sent: OffloadEvent[][] = []
    const batcher = new EventBatcher(
      100,
      (b) => sent.push(b),
      () => Date.now(),
    )
    batcher.push({ type: 'stats', stats: stats({ running: 1 }) })
    vi.advanceTimersByTime(0)
    expect(sent).toHaveLength(1)
    const running = job('running')
    for (let i = 1; i <= 1000; i++) {
      batcher.push({ type: 'jobs', jobs: [{ ...running, progress: { fraction: i / 1000, message: null } }] })
      batcher.push({ type: 'stats', stats: stats({ running: i }) })
      vi.advanceTimersByTime(1)
    }
    vi.advanceTimersByTime(100)
    expect(sent.length).toBeGreaterThanOrEqual(10)
    expect(sent.length).toBeLessThanOrEqual(12)
    const last = sent.at(-1)!
    expect(last).toEqual([
      { type: 'jobs', jobs: [expect.objectContaining({ id: running.id, progress: { fraction: 1, message: null } })] },
      { type: 'stats', stats: stats({ running: 1000 }) },
    ])
    for (const batch of sent) expect(batch.filter((e) => e.type === 'stats').length).toBeLessThanOrEqual(1)
  })

  it('keeps every reveal request', () => {
    const sent: OffloadEvent[][] = []
    const batcher = new EventBatcher(100, (b) => sent.push(b))
    batcher.push({ type: 'reveal', jobId: 'a' })
    batcher.push({ type: 'reveal', status: 'failed' })
    vi.advanceTimersByTime(0)
    expect(sent).toEqual([
      [
        { type: 'reveal', jobId: 'a' },
        { type: 'reveal', status: 'failed' },
      ],
    ])
  })
})

describe('storage trouble on the desktop', () => {
  const full = { status: 'full', message: 'The disk is full.', since: '2026-12-02T00:00:00.000Z' } as const
  const ok = { status: 'ok', message: null, since: null } as const

  it('leads the tray tooltip', () => {
    expect(trayTooltip({ ...stats({ running: 2 }), storage: full })).toBe('Offload — Disk full · 2 running')
  })

  it('is announced when it begins, changes and ends, and not again while it lasts', () => {
    expect(storageNotice('ok', full)).toEqual({ title: 'Offload: disk full', body: 'The disk is full.' })
    expect(storageNotice('full', full)).toBeUndefined()
    expect(storageNotice('full', { ...full, status: 'readonly', message: 'Read-only.' })).toEqual({ title: 'Offload: cannot save', body: 'Read-only.' })
    expect(storageNotice('readonly', ok)).toEqual({ title: 'Offload is saving again', body: 'Jobs start again.' })
    expect(storageNotice('ok', ok)).toBeUndefined()
  })
})
