import { describe, expect, it } from 'vitest'
import { jobTable, parseDuration, useColour } from '../../src/main/cli/output'
import type { Job } from '../../src/shared/job'

const job = (over: Partial<Job>): Job => ({
  id: '01JD3QZ8Y7W6V5T4S3R2Q1P0NM',
  kind: 'shell',
  name: 'Backup photos',
  params: {},
  priority: 'normal',
  status: 'running',
  progress: { fraction: 0.5, message: null },
  attempts: 1,
  maxAttempts: 3,
  timeoutMs: null,
  createdAt: new Date(0).toISOString(),
  startedAt: new Date(0).toISOString(),
  finishedAt: null,
  runAfter: new Date(0).toISOString(),
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
  ...over,
})

describe('the command line’s output', () => {
  it('reads durations people write', () => {
    expect(['90s', '5m', '1h30m', '1500ms', '2', '0.5', '1d'].map(parseDuration)).toEqual([90_000, 300_000, 5_400_000, 1500, 2000, 500, 86_400_000])
    expect(['soon', '5 m', '', 'm5', '1h30'].map(parseDuration)).toEqual([null, null, null, null, null])
  })

  it('fits the table to the width: columns give way, the name is cut with an ellipsis, nothing wraps', () => {
    const jobs = [
      job({ name: 'A very long name indeed, longer than any narrow terminal' }),
      job({ status: 'queued', startedAt: null, progress: { fraction: 0, message: null } }),
    ]
    for (const columns of [60, 72, 80, 100, 160]) {
      const lines = jobTable(jobs, { columns, now: 30_000, colour: false }).split('\n')
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns)
    }
    const wide = jobTable(jobs, { columns: 160, now: 30_000, colour: false })
    expect(wide.split('\n')[0]).toMatch(/^ID +STATUS +NAME +PROGRESS +ETA +TRIES +TIME$/)
    // Half done after 30 s: 30 s to go.
    expect(wide.split('\n')[1]).toMatch(/█████░░░░░ {2}50% 30s +1\/3 +30s$/)
    const narrow = jobTable(jobs, { columns: 60, now: 30_000, colour: false })
    expect(narrow.split('\n')[0]).toMatch(/^ID +STATUS +NAME +%$/)
    expect(narrow.split('\n')[1]).toMatch(/ A very long [a-z ]*… /)
  })

  it('has a lane column only when some job is out of the default lane, and gives it up before the progress bar', () => {
    const lane = (j: Job): Job => ({ ...j, lane: 'encode' })
    const header = (jobs: Job[], columns: number): string => jobTable(jobs, { columns, now: 30_000, colour: false }).split('\n')[0]!
    expect(header([job({}), lane(job({}))], 160)).toMatch(/^ID +STATUS +NAME +LANE +PROGRESS +ETA +TRIES +TIME$/)
    expect(jobTable([job({}), lane(job({}))], { columns: 160, now: 30_000, colour: false }).split('\n')[2]).toMatch(/ encode +█/)
    expect(header([job({})], 160)).not.toContain('LANE')
    expect(header([lane(job({}))], 80)).not.toContain('LANE')
  })

  it('colours only a terminal, and never with NO_COLOR', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream
    const pipe = { isTTY: false } as NodeJS.WriteStream
    expect([useColour(tty, {}), useColour(tty, { NO_COLOR: '1' }), useColour(pipe, {}), useColour(tty, { TERM: 'dumb' })]).toEqual([true, false, false, false])
    expect(jobTable([job({ status: 'failed' })], { columns: 80, now: 0, colour: true })).toContain('\x1b[31mfailed')
  })
})
