import { BUILTIN_KINDS } from '../../src/main/kinds/builtin'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import type { Schedule, ScheduleDetail } from '../../src/shared/schedule'
import { bashCompletion, offload, startFileServer, type FileServer } from '../cli-helpers'
import { tempDir, waitFor } from '../helpers'

/** One server for the whole file, built as users run it. */
let server: FileServer
const cli = (args: string[], env: Record<string, string> = {}) => offload(['--data', server.data, ...args], { env })
const schedules = async (): Promise<Schedule[]> => ((await server.call('GET', '/api/schedules')) as { schedules: Schedule[] }).schedules

beforeAll(async () => {
  server = await startFileServer()
})

afterAll(() => server.stop())

/** The id in "Added schedule “name” (id)". */
const idIn = (text: string): string => /\((\w{26})\)/.exec(text)![1]!

describe('offload schedule add', () => {
  it('adds a command on a cron pattern in this machine’s zone, and prints its next runs on this machine’s clock', async () => {
    const run = await cli(['schedule', 'add', '--cron', '0 * * * *', '--name', 'Hourly', '--', 'echo', 'hi'], { TZ: 'Asia/Tokyo' })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      /^Added schedule “Hourly” \(\w{26}\): 0 \* \* \* \* in Asia\/Tokyo\nNext runs, on this machine’s clock:\n {2}.+ {2}\(in (<1|\d+) min\)\n( {2}.+\n){4}$/,
    )
    const added = (await schedules()).find((s) => s.id === idIn(run.stderr))!
    expect(added).toMatchObject({ kind: 'shell', timezone: 'Asia/Tokyo', enabled: true, params: { command: 'echo', args: ['hi'] } })

    // 09:00 in UTC is 18:00 in Tokyo: the times printed are the reader's.
    const daily = await cli(['schedule', 'add', '--cron', '0 9 * * *', '--tz', 'UTC', '--name', 'Daily', '--', 'true'], { TZ: 'Asia/Tokyo' })
    const times = daily.stderr.split('\n').slice(2, -1)
    expect(times).toHaveLength(5)
    for (const line of times) expect(line).toMatch(/^ {2}(\w{3} |\w{3} \d+, )?18:00/)
  })

  it('--json is the API’s new schedule, with every option the command line gives', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'a.txt'), 'a')
    const run = await cli([
      'schedule',
      'add',
      'hash-files',
      '--param',
      `folder=${folder}`,
      '--cron',
      '*/5 * * * *',
      '--tz',
      'Europe/Berlin',
      '--priority',
      'high',
      '--attempts',
      '2',
      '--timeout',
      '10m',
      '--overlap',
      'queue',
      '--missed',
      'all',
      '--missed-window',
      '3h',
      '--disabled',
      '--json',
    ])
    expect(run.code).toBe(0)
    const schedule = JSON.parse(run.stdout) as Schedule
    expect(schedule).toMatchObject({
      name: 'hash-files',
      kind: 'hash-files',
      params: { folder },
      cron: '*/5 * * * *',
      timezone: 'Europe/Berlin',
      priority: 'high',
      maxAttempts: 2,
      timeoutMs: 600_000,
      overlap: 'queue',
      missed: 'all',
      missedWindowMs: 3 * 3_600_000,
      enabled: false,
      nextRuns: [],
      lastRun: null,
    })
    expect((await schedules()).find((s) => s.id === schedule.id)).toEqual(schedule)
    const printed = await cli(['schedule', 'add', '--cron', '0 0 1 1 *', '--print-id', '--', 'true'])
    expect(printed.stdout).toMatch(/^\w{26}\n$/)
  })
})

describe('offload schedule add --lane and --slots', () => {
  it('--lane encode --slots 2 round-trips: the schedule has them, show says them, and its jobs run there', async () => {
    const run = await cli(['schedule', 'add', '--cron', '0 3 * * *', '--name', 'Nightly encode', '--lane', 'encode', '--slots', '2', '--json', '--', 'true'])
    expect([run.code, run.stderr]).toEqual([0, ''])
    const schedule = JSON.parse(run.stdout) as Schedule
    expect(schedule).toMatchObject({ lane: 'encode', slots: 2 })
    expect((await schedules()).find((s) => s.id === schedule.id)).toEqual(schedule)
    const shown = await cli(['schedule', 'show', schedule.id])
    expect(shown.stdout).toMatch(/^ {2}lane: +encode\n {2}slots: +2$/m)
    const job = JSON.parse((await cli(['schedule', 'run', schedule.id, '--json'])).stdout) as Job
    expect(job).toMatchObject({ lane: 'encode', slots: 2 })

    // The kind's own lane and one slot go unsaid.
    const plain = idIn((await cli(['schedule', 'add', '--cron', '0 3 * * *', '--', 'true'])).stderr)
    expect((await cli(['schedule', 'show', plain])).stdout).not.toMatch(/^ {2}(lane|slots):/m)
    expect((await cli(['schedule', 'show', plain, '--json'])).stdout).toMatch(/"lane": null,\n\s*"slots": 1,/)
  })
})

describe('offload schedule list, run, show, enable, disable and rm', () => {
  it('lists, runs one now (a job appears), shows its history, switches it off and on, and removes it', async () => {
    const id = idIn((await cli(['schedule', 'add', '--cron', '0 4 * * *', '--name', 'Nightly tidy', '--', 'true'])).stderr)

    const table = await cli(['schedule', 'list'], { COLUMNS: '200' })
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +NAME +CRON +TZ +KIND +ENABLED +NEXT +LAST$/)
    expect(table.stdout).toMatch(new RegExp(`^${id} Nightly tidy +0 4 \\* \\* \\* +\\S+ +shell +yes +\\S.* +—$`, 'm'))
    const listed = JSON.parse((await cli(['schedule', 'ls', '--json'])).stdout) as { schedules: Schedule[] }
    expect(listed.schedules.map((s) => s.id)).toEqual((await schedules()).map((s) => s.id))

    const ran = await cli(['schedule', 'run', id, '--print-id'])
    expect(ran.code).toBe(0)
    const jobId = ran.stdout.trim()
    const job = await waitFor(async () => {
      const j = (await server.call('GET', `/api/jobs/${jobId}`)) as Job
      return j.status === 'succeeded' && j
    }, 'the job the run queued')
    expect(job).toMatchObject({ kind: 'shell', name: 'Nightly tidy' })
    const said = await cli(['schedule', 'run', id])
    expect(said.stderr).toMatch(/^Queued “Nightly tidy” \(\w{26}\)\n$/)
    const asJson = JSON.parse((await cli(['schedule', 'run', id, '--json'])).stdout) as Job
    expect(asJson).toMatchObject({ kind: 'shell', name: 'Nightly tidy' })

    const shown = await cli(['schedule', 'show', id])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(/^Nightly tidy \(\w{26}\)\n {2}kind: +shell\n/)
    expect(shown.stdout).toMatch(new RegExp(`^ {2}\\S+ +succeeded +${jobId} +run by hand$`, 'm'))
    const detail = JSON.parse((await cli(['schedule', 'show', id, '--json'])).stdout) as ScheduleDetail
    expect(detail.history.map((r) => r.jobId)).toEqual([asJson.id, idIn(said.stderr), jobId])
    expect(detail.history.every((r) => r.manual && r.state === 'enqueued')).toBe(true)
    const after = await cli(['schedule', 'list'], { COLUMNS: '200' })
    expect(after.stdout).toMatch(new RegExp(`^${id} .* (queued|running|succeeded) \\d\\d:\\d\\d$`, 'm'))

    const off = await cli(['schedule', 'disable', id])
    expect([off.code, off.stderr]).toEqual([0, `Disabled “Nightly tidy” (${id})\n`])
    expect((await schedules()).find((s) => s.id === id)).toMatchObject({ enabled: false, nextRuns: [] })
    const on = await cli(['schedule', 'enable', id])
    expect(on.stderr).toMatch(new RegExp(`^Enabled “Nightly tidy” \\(${id}\\); next run .+ \\(in .+\\)\\n$`))
    expect((await schedules()).find((s) => s.id === id)).toMatchObject({ enabled: true })

    const missing = '01JZZZZZZZZZZZZZZZZZZZZZZZ'
    const removed = await cli(['schedule', 'rm', id, missing])
    expect([removed.code, removed.stderr]).toEqual([2, `Removed 1 schedule\n  ${missing}: No schedule with id ${missing}\n`])
    expect((await schedules()).some((s) => s.id === id)).toBe(false)
    // The jobs it queued stay.
    expect(((await server.call('GET', `/api/jobs/${jobId}`)) as Job).id).toBe(jobId)
  })

  it('says when there are none', async () => {
    for (const s of await schedules()) await server.call('DELETE', `/api/schedules/${s.id}`)
    const run = await cli(['schedule', 'list'])
    expect([run.code, run.stdout]).toEqual([0, ''])
    expect(run.stderr).toMatch(/^No schedules yet/)
    expect(JSON.parse((await cli(['schedule', 'list', '--json'])).stdout)).toEqual({ schedules: [] })
  })
})

describe('bad schedules: one line on stderr naming the flag, exit code 2, nothing created', () => {
  const cases: [string, string[], RegExp][] = [
    ['a cron field out of range', ['--cron', '61 * * * *', '--', 'true'], /^offload: --cron: .*minute.*61\n$/],
    ['an unknown time zone', ['--cron', '0 * * * *', '--tz', 'Mars/Base', '--', 'true'], /^offload: --tz: Unknown time zone "Mars\/Base"; .+\n$/],
    [
      'an unknown kind',
      ['nope', '--cron', '0 * * * *'],
      new RegExp(`^offload: No job kind "nope"; known kinds: ${BUILTIN_KINDS.map((k) => k.name).join(', ')}\n$`),
    ],
    ['a param the kind does not have', ['hash-files', '--cron', '0 * * * *', '--param', 'colour=red'], /^offload: "hash-files" has no param "colour"/],
    ['no --cron', ['--', 'true'], /^offload: required option '--cron <pattern>' not specified\n$/],
    [
      'a missed window that is no duration',
      ['--cron', '0 * * * *', '--missed-window', 'ages', '--', 'true'],
      /^offload: --missed-window: a duration .*got "ages"\n$/,
    ],
    ['a name that cannot be a lane', ['--cron', '0 * * * *', '--lane', 'Bad Lane', '--', 'true'], /^offload: --lane: A lane is a lowercase name like "encode"/],
    ['no slots', ['--cron', '0 * * * *', '--slots', '0', '--', 'true'], /^offload: --slots: a whole number from 1 to 64, got "0"\n$/],
    [
      'more slots than Offload runs at once',
      ['--cron', '0 * * * *', '--slots', '64', '--', 'true'],
      /^offload: --slots: 64 slots is more than the \d+ jobs Offload runs at once \(the concurrency setting\)\n$/,
    ],
    [
      'an overlap policy there is not',
      ['--cron', '0 * * * *', '--overlap', 'sometimes', '--', 'true'],
      /^offload: .*'sometimes' is invalid.*skip, queue, replace/,
    ],
  ]
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const before = (await schedules()).length
      const run = await cli(['schedule', 'add', ...args])
      expect([run.code, run.stderr.split('\n').length - 1]).toEqual([2, 1])
      expect(run.stderr).toMatch(message)
      expect((await schedules()).length).toBe(before)
    })
  }

  it('an id that is not there, or no id at all', async () => {
    const show = await cli(['schedule', 'show', '01JZZZZZZZZZZZZZZZZZZZZZZZ'])
    expect([show.code, show.stderr]).toEqual([2, 'offload: No schedule with id 01JZZZZZZZZZZZZZZZZZZZZZZZ\n'])
    const run = await cli(['schedule', 'run', 'not-an-id'])
    expect([run.code, run.stderr]).toEqual([2, 'offload: id: Schedule ids are 26-character ULIDs\n'])
  })
})

describe('completion of schedule', () => {
  it('bash completes its commands, then each one’s flags', async () => {
    const complete = await bashCompletion()
    expect(await complete('offload', 'sch')).toBe('schedule')
    expect((await complete('offload', 'schedule', '')).split(' ')).toEqual(expect.arrayContaining(['add', 'list', 'show', 'run', 'rm', 'enable', 'disable']))
    expect((await complete('offload', '--data', 'x', 'schedule', 'add', '--mi')).split(' ')).toEqual(['--missed', '--missed-window'])
    // The top-level add's flags are add's own.
    expect(await complete('offload', 'add', '--fol')).toBe('--follow')
    expect(await complete('offload', 'schedule', 'add', '--fol')).toBe('')
  })
})
