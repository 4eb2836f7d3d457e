import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import type { Lane } from '../../src/shared/lane'
import { bashCompletion, offload, startFileServer, type FileServer } from '../cli-helpers'
import { waitFor } from '../helpers'

/** One server for the whole file, built as users run it. */
let server: FileServer
const cli = (args: string[], env: Record<string, string> = {}) => offload(['--data', server.data, ...args], { env })
const lanes = async (): Promise<Lane[]> => ((await server.call('GET', '/api/lanes')) as { lanes: Lane[] }).lanes
const laneOf = async (name: string): Promise<Lane> => (await server.call('GET', `/api/lanes/${name}`)) as Lane
const jobOf = async (id: string): Promise<Job> => (await server.call('GET', `/api/jobs/${id}`)) as Job
/** The lanes' settings, which a refused command must leave as they were. */
const settings = async (): Promise<Pick<Lane, 'name' | 'concurrency' | 'paused'>[]> =>
  (await lanes()).filter((l) => l.concurrency !== null || l.paused).map(({ name, concurrency, paused }) => ({ name, concurrency, paused }))
const jobCount = async (): Promise<number> => {
  const { counts } = (await server.call('GET', '/api/stats')) as { counts: Record<string, number> }
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

/** The message the API gives for a name that cannot be a lane. */
const NOT_A_LANE = 'A lane is a lowercase name like "encode" (letters, digits, ".", "_", "-"; at most 64)'

beforeAll(async () => {
  server = await startFileServer()
  // Four at once whatever the machine: room for a job of two slots and a lane's limit of two, and a known limit to go over.
  const answer = await fetch(`${server.info.url}/api/settings`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.info.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ concurrency: 4 }),
  })
  expect(answer.status).toBe(200)
})

afterAll(() => server.stop())

/** The id in "Queued “name” (id)…". */
const idIn = (text: string): string => /\((\w{26})\)/.exec(text)![1]!

describe('offload add --lane and --slots', () => {
  it('--json is the API’s new job, in the lane and with the slots given', async () => {
    const run = await cli(['add', '--lane', 'enc', '--slots', '3', '--json', '--', 'true'])
    expect([run.code, run.stderr]).toEqual([0, ''])
    const job = JSON.parse(run.stdout) as Job
    expect(job).toMatchObject({ kind: 'shell', name: 'true', lane: 'enc', slots: 3, params: { command: 'true' } })
    expect(await jobOf(job.id)).toMatchObject({ id: job.id, lane: 'enc', slots: 3 })

    const plain = await cli(['add', '--json', '--', 'true'])
    expect(JSON.parse(plain.stdout)).toMatchObject({ lane: 'default', slots: 1 })
  })

  it('the line it prints says the lane and the slots, and nothing of them for one slot of the default lane', async () => {
    const both = await cli(['add', '--lane', 'enc', '--slots', '2', '--', 'true'])
    expect([both.code, both.stdout]).toEqual([0, ''])
    expect(both.stderr).toBe(`Queued “true” (${idIn(both.stderr)}) in lane enc, taking 2 slots\n`)
    expect(await jobOf(idIn(both.stderr))).toMatchObject({ lane: 'enc', slots: 2 })

    const lane = await cli(['add', '--lane', 'enc', '--name', 'In enc', '--', 'true'])
    expect(lane.stderr).toBe(`Queued “In enc” (${idIn(lane.stderr)}) in lane enc\n`)
    const slots = await cli(['add', '--slots', '2', '--', 'true'])
    expect(slots.stderr).toBe(`Queued “true” (${idIn(slots.stderr)}), taking 2 slots\n`)
    expect(await jobOf(idIn(slots.stderr))).toMatchObject({ lane: 'default', slots: 2 })
    const plain = await cli(['add', '--', 'true'])
    expect(plain.stderr).toBe(`Queued “true” (${idIn(plain.stderr)})\n`)

    const later = await cli(['add', '--delay', '1h', '--lane', 'enc', '--', 'true'])
    expect(later.stderr).toMatch(/^Scheduled “true” \(\w{26}\) for .+ in lane enc\n$/)
    await server.call('POST', `/api/jobs/${idIn(later.stderr)}/cancel`)
  })
})

describe('offload lane list, show, set, pause and resume', () => {
  it('a lane never used is open and empty; its limit and pause are set, shown and listed as its jobs run and wait', async () => {
    const fresh = await cli(['lane', 'show', 'encode'])
    expect(fresh.code).toBe(0)
    expect(fresh.stdout).toBe(
      'encode\n  limit:   none of its own; only the global limit holds\n  state:   open\n  running: 0 jobs, taking 0 slots\n  queued:  0 jobs\n',
    )

    const set = await cli(['lane', 'set', 'encode', '--limit', '2'])
    expect([set.code, set.stdout, set.stderr]).toEqual([0, '', 'Lane encode: at most 2 slots at once, inside the global limit\n'])
    const paused = await cli(['lane', 'pause', 'encode'])
    expect([paused.code, paused.stderr]).toEqual([0, 'Paused lane encode: nothing new in it starts; 0 running go on, 0 queued wait\n'])
    expect(await laneOf('encode')).toEqual({ name: 'encode', concurrency: 2, paused: true, queued: 0, running: 0, slotsInUse: 0 })

    // Paused, the lane keeps them waiting.
    const wide = (await cli(['add', '--lane', 'encode', '--slots', '2', '--print-id', '--', 'sleep', '30'])).stdout.trim()
    const narrow = (await cli(['add', '--lane', 'encode', '--print-id', '--', 'true'])).stdout.trim()
    const waiting = await cli(['lane', 'show', 'encode'])
    expect(waiting.stdout).toBe(
      'encode\n  limit:   2 slots at once, inside the global limit\n  state:   paused: nothing new in it starts; what runs goes on\n  running: 0 jobs, taking 0 slots\n  queued:  2 jobs\n',
    )
    const table = await cli(['lane', 'list'], { COLUMNS: '120' })
    expect(table.code).toBe(0)
    const rows = table.stdout.trimEnd().split('\n')
    expect(rows[0]).toMatch(/^LANE +LIMIT STATE +RUNNING QUEUED IN USE$/)
    expect(rows.find((r) => r.startsWith('encode '))).toMatch(/^encode +2 paused +0 +2 +0$/)
    expect(rows.find((r) => r.startsWith('default '))).toMatch(/^default +— open +\d+ +\d+ +\d+$/)
    expect(rows.slice(1).map((r) => r.split(' ')[0])).toEqual((await lanes()).map((l) => l.name))

    // Resumed, the wide job takes both of the lane's slots, and the narrow one waits for them.
    const resumed = await cli(['lane', 'resume', 'encode'])
    expect([resumed.code, resumed.stderr]).toEqual([0, 'Resumed lane encode\n'])
    await waitFor(async () => {
      const l = await laneOf('encode')
      return l.running === 1 && l.slotsInUse === 2 && l.queued === 1
    }, 'the wide job to run')
    expect((await jobOf(wide)).status).toBe('running')
    expect((await jobOf(narrow)).status).toBe('queued')
    const running = await cli(['lane', 'show', 'encode'])
    expect(running.stdout).toBe(
      'encode\n  limit:   2 slots at once, inside the global limit\n  state:   open\n  running: 1 job, taking 2 slots\n  queued:  1 job\n',
    )
    expect(JSON.parse((await cli(['lane', 'show', 'encode', '--json'])).stdout)).toEqual(await laneOf('encode'))
    expect(JSON.parse((await cli(['lane', 'ls', '--json'])).stdout)).toEqual({ lanes: await lanes() })

    const again = await cli(['lane', 'pause', 'encode'])
    expect(again.stderr).toBe('Paused lane encode: nothing new in it starts; 1 running go on, 1 queued wait\n')
    const unlimited = await cli(['lane', 'set', 'encode', '--no-limit'])
    expect([unlimited.code, unlimited.stderr]).toEqual([0, 'Lane encode: no limit of its own; only the global limit holds\n'])
    // The limit goes; the pause stays.
    expect(await laneOf('encode')).toMatchObject({ concurrency: null, paused: true })

    await cli(['cancel', wide])
    await cli(['lane', 'resume', 'encode'])
    await waitFor(async () => (await jobOf(narrow)).status === 'succeeded', 'the narrow job to run once the lane is open')
    // Open, unlimited and empty again, it is listed no more.
    await waitFor(async () => !(await lanes()).some((l) => l.name === 'encode'), 'encode to leave the list')
  })

  it('pauses and resumes several lanes at once; a name that cannot be a lane is refused and the others go on', async () => {
    const run = await cli(['lane', 'pause', 'night', 'Not-A-Lane', 'batch'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      [
        'Paused lane night: nothing new in it starts; 0 running go on, 0 queued wait',
        'Paused lane batch: nothing new in it starts; 0 running go on, 0 queued wait',
        `Not paused: Not-A-Lane: ${NOT_A_LANE}`,
        '',
      ].join('\n'),
    )
    expect(await settings()).toEqual([
      { name: 'batch', concurrency: null, paused: true },
      { name: 'night', concurrency: null, paused: true },
    ])
    const resumed = await cli(['lane', 'resume', 'night', 'batch'])
    expect([resumed.code, resumed.stderr]).toEqual([0, 'Resumed lane night\nResumed lane batch\n'])
    expect(await settings()).toEqual([])
  })

  it('lists the default lane when nothing else is', async () => {
    await waitFor(async () => (await lanes()).every((l) => l.name === 'default' || (l.queued === 0 && l.running === 0)), 'every job to end')
    const run = await cli(['lane', 'list'])
    expect([run.code, run.stderr]).toEqual([0, ''])
    expect(run.stdout).toBe('LANE    LIMIT STATE RUNNING QUEUED IN USE\ndefault     — open        0      0      0\n')
  })
})

describe('bad lanes: one line on stderr naming what is wrong, exit code 2, nothing changed', () => {
  const cases: [string, string[], string][] = [
    ['a name that cannot be a lane, to show', ['lane', 'show', 'Encode'], `offload: Encode: ${NOT_A_LANE}\n`],
    ['a name that cannot be a lane, to set', ['lane', 'set', 'my lane', '--limit', '2'], `offload: my lane: ${NOT_A_LANE}\n`],
    ['a name that cannot be a lane, to pause', ['lane', 'pause', 'a/b'], `Not paused: a/b: ${NOT_A_LANE}\n`],
    ['no name at all', ['lane', 'show', ''], 'offload: Give each lane’s name, like "encode" (offload lane list lists them)\n'],
    ['no name to pause', ['lane', 'pause'], "offload: missing required argument 'names'\n"],
    ['a limit of 0', ['lane', 'set', 'encode', '--limit', '0'], 'offload: --limit: a whole number from 1 to 64, got "0"\n'],
    ['a limit that is no number', ['lane', 'set', 'encode', '--limit', 'two'], 'offload: --limit: a whole number from 1 to 64, got "two"\n'],
    ['a limit over the most', ['lane', 'set', 'encode', '--limit', '65'], 'offload: --limit: a whole number from 1 to 64, got "65"\n'],
    ['set with nothing to set', ['lane', 'set', 'encode'], 'offload: Give --limit <n> (slots at once) or --no-limit\n'],
    ['an unknown lane command', ['lane', 'frob'], "offload: unknown command 'frob'\n"],
    ['a lane the job cannot run in', ['add', '--lane', 'Encode', '--', 'true'], `offload: --lane: ${NOT_A_LANE}\n`],
    ['--slots 0', ['add', '--slots', '0', '--', 'true'], 'offload: --slots: a whole number from 1 to 64, got "0"\n'],
    ['--slots 1.5', ['add', '--slots', '1.5', '--', 'true'], 'offload: --slots: a whole number from 1 to 64, got "1.5"\n'],
    [
      'more slots than Offload runs at once',
      ['add', '--slots', '5', '--', 'true'],
      'offload: --slots: 5 slots is more than the 4 jobs Offload runs at once (the concurrency setting)\n',
    ],
    ['--json and --print-id', ['add', '--json', '--print-id', '--', 'true'], 'offload: Give --json or --print-id, not both\n'],
    ['--json and --follow', ['add', '--json', '--follow', '--', 'true'], 'offload: Give --json or --follow, not both\n'],
  ]
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const [lanesBefore, jobsBefore] = [await settings(), await jobCount()]
      const run = await cli(args)
      expect([run.code, run.stdout, run.stderr]).toEqual([2, '', message])
      expect(await settings()).toEqual(lanesBefore)
      expect(await jobCount()).toBe(jobsBefore)
    })
  }
})

describe('completion of lane', () => {
  it('bash completes lane and its commands, then each one’s flags, and add’s --lane and --slots', async () => {
    const complete = await bashCompletion()
    expect(await complete('offload', 'lan')).toBe('lane')
    expect(await complete('offload', 'lane', '')).toBe('list ls show set pause resume')
    expect(await complete('offload', 'lane', 're')).toBe('resume')
    expect(await complete('offload', 'lane', 'set', 'encode', '--')).toBe('--limit --no-limit --help --url --token --data')
    expect(await complete('offload', 'lane', 'list', '--')).toBe('--json --help --url --token --data')
    expect(await complete('offload', 'add', '--la')).toBe('--lane')
    expect(await complete('offload', 'add', '--sl')).toBe('--slots')
    // schedule add and watch add name the lane and slots of the jobs they make.
    expect(await complete('offload', 'schedule', 'add', '--la')).toBe('--lane')
    expect(await complete('offload', 'watch', 'add', '--sl')).toBe('--slots')
    expect(await complete('offload', 'lane', 'set', 'encode', '--sl')).toBe('')
  })

  it('zsh and fish know them too', async () => {
    const zsh = (await offload(['completion', 'zsh'])).stdout
    expect(zsh).toContain('          set) compadd -- --limit --no-limit --help --url --token --data ;;')
    expect(zsh).toContain("'lane:Lanes\\: each job runs in one")
    const fish = (await offload(['completion', 'fish'])).stdout
    expect(fish).toContain("complete -c offload -n '__fish_seen_subcommand_from lane; and __fish_seen_subcommand_from set' -l no-limit")
    expect(fish).toContain("complete -c offload -n '__fish_seen_subcommand_from add; and not __fish_seen_subcommand_from schedule watch lane' -l slots")
  })
})

describe('offload add --hold and offload release', () => {
  it('a held job waits until released; release says what it let go and what it could not', async () => {
    const added = await cli(['add', '--hold', '--', 'true'])
    expect(added.code).toBe(0)
    const id = idIn(added.stderr)
    expect(added.stderr).toBe(`Held “true” (${id}): offload release ${id} lets it go on\n`)
    expect((await jobOf(id)).status).toBe('held')
    const released = await cli(['release', id])
    expect([released.code, released.stderr]).toEqual([0, 'Released 1 job\n'])
    await waitFor(async () => (await jobOf(id)).status === 'succeeded', 'the released job to run')
    const again = await cli(['release', id])
    // Refused (exit 2, as for any command the server turned down), naming the job and why.
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(`Released 0 jobs\n  “true” (${id}): Job ${id} is succeeded; only held jobs can be released\n`)
  })

  it('--hold with --wait or --follow is refused: nothing would end the wait', async () => {
    const before = await jobCount()
    for (const flag of ['--wait', '--follow']) {
      const refused = await cli(['add', '--hold', flag, '--', 'true'])
      expect([refused.code, refused.stdout, refused.stderr]).toEqual([2, '', `offload: Give --hold or ${flag}, not both\n`])
    }
    expect(await jobCount()).toBe(before)
  })
})

describe('offload add --after', () => {
  it('a job after another waits for it, says so, and runs once it has succeeded; an unknown id is refused', async () => {
    const first = await cli(['add', '--hold', '--', 'true'])
    const parent = idIn(first.stderr)
    const added = await cli(['add', '--after', parent, '--if-dependency-fails', 'hold', '--', 'echo', 'after'])
    expect(added.code).toBe(0)
    const child = idIn(added.stderr)
    expect(added.stderr).toBe(`Waiting “echo after” (${child}): it starts once the job it depends on has succeeded\n`)
    expect(await jobOf(child)).toMatchObject({ status: 'waiting', dependsOn: 1, waitingOn: 1, onDependencyFailure: 'hold' })
    await cli(['release', parent])
    await waitFor(async () => (await jobOf(child)).status === 'succeeded', 'the job after it to run')
    const before = await jobCount()
    const unknown = await cli(['add', '--after', '01JZZZZZZZZZZZZZZZZZZZZZZZ', '--', 'true'])
    expect([unknown.code, unknown.stderr]).toEqual([2, 'offload: --after: No job with id 01JZZZZZZZZZZZZZZZZZZZZZZZ\n'])
    expect(await jobCount()).toBe(before)
  })
})

describe('offload add --key', () => {
  it('a second add with the key hands back the job there and says so; replace gives it the new params', async () => {
    const first = await cli(['add', '--hold', '--key', 'cli-dedupe', '--', 'echo', 'one'])
    const id = idIn(first.stderr)
    const again = await cli(['add', '--key', 'cli-dedupe', '--', 'echo', 'two'])
    expect([again.code, again.stderr]).toEqual([0, `Already there: “echo one” (${id}), held under key cli-dedupe\n`])
    const replaced = await cli(['add', '--key', 'cli-dedupe', '--key-mode', 'replace', '--json', '--', 'echo', 'three'])
    expect(JSON.parse(replaced.stdout)).toMatchObject({ id, key: 'cli-dedupe', params: { command: 'echo', args: ['three'] } })
    expect(await jobOf(id)).toMatchObject({ status: 'held', params: { args: ['three'] } })
  })

  it('--debounce puts the start back on each add, and --max-wait caps it', async () => {
    const first = await cli(['add', '--key', 'cli-debounce', '--debounce', '1h', '--max-wait', '2h', '--', 'true'])
    expect(first.code).toBe(0)
    const job = await jobOf(idIn(first.stderr))
    expect(job).toMatchObject({ status: 'scheduled', key: 'cli-debounce' })
    const again = await cli(['add', '--key', 'cli-debounce', '--debounce', '90m', '--max-wait', '2h', '--', 'true'])
    expect(again.stderr).toBe(`Put back the start of “true” (${job.id}), scheduled under key cli-debounce\n`)
    const later = await jobOf(job.id)
    expect(Date.parse(later.runAfter) - Date.parse(job.runAfter)).toBeGreaterThanOrEqual(29 * 60_000)
  })

  it.each([
    ['a mode without a key', ['add', '--key-mode', 'replace', '--', 'true'], 'offload: --key-mode needs --key: the name of the work\n'],
    ['--max-wait without --debounce', ['add', '--key', 'k', '--max-wait', '1m', '--', 'true'], 'offload: --max-wait is for --debounce\n'],
    [
      '--debounce with another mode',
      ['add', '--key', 'k', '--key-mode', 'dedupe', '--debounce', '1s', '--', 'true'],
      'offload: --debounce is for --key-mode debounce, not dedupe\n',
    ],
    [
      '--debounce with --delay',
      ['add', '--key', 'k', '--debounce', '1s', '--delay', '1m', '--', 'true'],
      'offload: Give --debounce or --delay, not both: a debounced job starts when its adds stop\n',
    ],
    ['a duration that is none', ['add', '--key', 'k', '--debounce', 'soon', '--', 'true'], 'offload: --debounce: a duration such as 2s or 5m, got "soon"\n'],
    ['a key too long', ['add', '--key', 'k'.repeat(513), '--', 'true'], 'offload: --key: Too big: expected string to have <=512 characters\n'],
  ])('%s is refused and stores nothing', async (_, args, stderr) => {
    const before = await jobCount()
    const refused = await cli(args)
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([2, '', stderr])
    expect(await jobCount()).toBe(before)
  })
})

describe('jobs by lane', () => {
  it('offload status --lane lists only that lane’s jobs; the API filters lists and bulk actions by lane too', async () => {
    const inLane = (await cli(['add', '--hold', '--lane', 'by-lane', '--print-id', '--', 'true'])).stdout.trim()
    const other = (await cli(['add', '--hold', '--lane', 'by-lane-not', '--print-id', '--', 'true'])).stdout.trim()
    const listed = await cli(['status', '--lane', 'by-lane', '--json'])
    expect((JSON.parse(listed.stdout) as { jobs: Job[] }).jobs.map((j) => j.id)).toEqual([inLane])
    const table = await cli(['status', '--lane', 'by-lane'], { COLUMNS: '160' })
    expect(table.stdout).toMatch(new RegExp(`^${inLane} +held +true +by-lane `, 'm'))
    expect(table.stdout).not.toContain(other)
    const none = await cli(['status', '--lane', 'by-lane-empty'])
    expect(none.stdout).toMatch(/^No jobs match\. /)
    const answer = await fetch(`${server.info.url}/api/jobs/release`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.info.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filter: { status: 'held', lane: 'by-lane' } }),
    })
    expect(((await answer.json()) as { changed: string[] }).changed).toEqual([inLane])
    expect(await jobOf(other)).toMatchObject({ status: 'held' })
    const refused = await cli(['status', '--lane', 'By Lane'])
    expect([refused.code, refused.stderr]).toEqual([2, `offload: --lane: ${NOT_A_LANE}\n`])
  })
})
