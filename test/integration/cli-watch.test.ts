import { BUILTIN_KINDS } from '../../src/main/kinds/builtin'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import type { Watch } from '../../src/shared/watch'
import { bashCompletion, offload, startFileServer, type FileServer } from '../cli-helpers'
import { tempDir, waitFor } from '../helpers'

/** One server for the whole file, built as users run it. */
let server: FileServer
const cli = (args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) => offload(['--data', server.data, ...args], options)
const watches = async (): Promise<Watch[]> => ((await server.call('GET', '/api/watches')) as { watches: Watch[] }).watches
const watchOf = async (id: string): Promise<Watch> => (await server.call('GET', `/api/watches/${id}`)) as Watch
/** The jobs made for files in `folder`: their `args` start with the file's path. */
const jobsIn = async (folder: string): Promise<Job[]> =>
  ((await server.call('GET', '/api/jobs?limit=1000&sort=oldest')) as { jobs: Job[] }).jobs.filter((j) => {
    const args = (j.params as { args?: unknown }).args
    return Array.isArray(args) && typeof args[0] === 'string' && args[0].startsWith(`${folder}/`)
  })

beforeAll(async () => {
  server = await startFileServer()
})

afterAll(() => server.stop())

/** The id in "Added watch <id> on …". */
const idIn = (text: string): string => /^Added watch (\w{26}) /.exec(text)![1]!

/** Params that make a shell job of each file: `cat <path>`. */
const CAT = ['--param', 'command=cat', '--param', 'args={{path}}']

describe('offload watch add', () => {
  it('watches a folder given relative to here: the files there and those to come that match the glob become jobs, params filled in', async () => {
    const parent = tempDir()
    const folder = join(parent, 'inbox')
    mkdirSync(join(folder, 'sub'), { recursive: true })
    for (const name of ['a.txt', 'b.pdf', '.hidden.txt', 'sub/c.txt']) writeFileSync(join(folder, name), name)
    const echo = ['--param', 'command=echo', '--param', 'args={{path}}', '--param', 'args={{name}} in {{dir}}']
    const run = await cli(['watch', 'add', 'inbox', 'shell', '--glob', '*.txt', ...echo, '--settle', '150ms'], { cwd: parent })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('')
    const [added, state] = run.stderr.split('\n')
    expect(added).toBe(
      `Added watch ${idIn(run.stderr)} on ${folder}: each file matching *.txt in it or its subfolders, there now or to come, becomes a “shell” job once unchanged for 150ms`,
    )
    expect(state).toMatch(/^(scanning: Looking through the files already there|watching)$/)
    expect(await watchOf(idIn(run.stderr))).toMatchObject({
      path: folder,
      glob: '*.txt',
      recursive: true,
      kind: 'shell',
      paramsTemplate: { command: 'echo', args: ['{{path}}', '{{name}} in {{dir}}'] },
      priority: 'normal',
      settleMs: 150,
      enabled: true,
    })

    await waitFor(async () => (await jobsIn(folder)).length >= 2, 'the jobs for the files already there')
    writeFileSync(join(folder, 'sub', 'd.txt'), 'd')
    await waitFor(async () => (await jobsIn(folder)).length >= 3, 'the job for the file that came')
    const jobs = await jobsIn(folder)
    expect(jobs.map((j) => j.name).sort()).toEqual(['a.txt', 'sub/c.txt', 'sub/d.txt'])
    const c = jobs.find((j) => j.name === 'sub/c.txt')!
    expect(c).toMatchObject({ kind: 'shell', params: { command: 'echo', args: [join(folder, 'sub', 'c.txt'), `c.txt in ${join(folder, 'sub')}`] } })
    // The job ran the command with the file's path, name and folder.
    await waitFor(async () => ((await server.call('GET', `/api/jobs/${c.id}`)) as Job).status === 'succeeded', 'the job for c.txt to run')
    expect((await cli(['log', c.id])).stdout).toBe(`${join(folder, 'sub', 'c.txt')} c.txt in ${join(folder, 'sub')}\n`)
  })

  it('reads ~ as the home folder; says a folder not there yet is waited for; --no-recursive, --priority, --disabled, --json and --print-id', async () => {
    const home = tempDir()
    const run = await cli(['watch', 'add', '~/Scans', 'shell', ...CAT, '--priority', 'high'], { env: { HOME: home } })
    expect(run.code).toBe(0)
    expect(run.stderr.split('\n')[1]).toBe(`missing: No folder at ${join(home, 'Scans')}; watching starts when it appears (looking every 2 s)`)

    const json = await cli(['watch', 'add', '~', 'shell', ...CAT, '--no-recursive', '--disabled', '--json'], { env: { HOME: home } })
    expect(json.code).toBe(0)
    const watch = JSON.parse(json.stdout) as Watch
    expect(watch).toMatchObject({ path: home, recursive: false, priority: 'normal', enabled: false, state: 'disabled', settleMs: 2000, glob: '*' })
    expect(await watchOf(watch.id)).toEqual(watch)
    expect((await watchOf(idIn(run.stderr))).priority).toBe('high')

    const printed = await cli(['watch', 'add', home, 'shell', ...CAT, '--disabled', '--print-id'])
    expect([printed.code, printed.stderr]).toEqual([0, ''])
    expect(printed.stdout).toMatch(/^\w{26}\n$/)
    const said = await cli(['watch', 'add', home, 'shell', ...CAT, '--disabled'])
    expect(said.stderr.split('\n')[1]).toBe(`disabled: nothing is handed over until it is enabled (offload watch enable ${idIn(said.stderr)})`)
  })

  it('warns of params that name no file, and of a file’s name read by /bin/sh', async () => {
    const folder = tempDir()
    const same = await cli(['watch', 'add', folder, 'shell', '--param', 'command=true', '--disabled'])
    expect(same.code).toBe(0)
    expect(same.stderr).toMatch(
      /^Added watch .+\n.+\nNote: no \{\{path\}\}, \{\{name\}\} or \{\{dir\}\} in the params, so every file’s job gets the same ones\n$/,
    )
    const shell = await cli(['watch', 'add', folder, 'shell', '--params-json', '{"command": "wc -c {{path}}"}', '--disabled'])
    expect(shell.code).toBe(0)
    expect(shell.stderr).toMatch(/^Added watch .+\n.+\nCareful: without args, \/bin\/sh reads the command, file names and all/)
    const safe = await cli(['watch', 'add', folder, 'shell', ...CAT, '--disabled'])
    expect(safe.stderr).toMatch(/^Added watch .+\n.+\n$/)
  })
})

describe('offload watch add --lane and --slots', () => {
  it('--lane encode --slots 2 round-trips: the watch has them, show says them, and the jobs it makes run there', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'clip.mov'), 'x')
    const run = await cli(['watch', 'add', folder, 'shell', ...CAT, '--settle', '100ms', '--lane', 'encode', '--slots', '2', '--json'])
    expect([run.code, run.stderr]).toEqual([0, ''])
    const watch = JSON.parse(run.stdout) as Watch
    expect(watch).toMatchObject({ lane: 'encode', slots: 2 })
    expect(await watchOf(watch.id)).toMatchObject({ lane: 'encode', slots: 2 })
    expect((await cli(['watch', 'show', watch.id])).stdout).toMatch(/^ {2}lane: +encode\n {2}slots: +2$/m)
    const [job] = await waitFor(async () => {
      const jobs = await jobsIn(folder)
      return jobs.length > 0 && jobs
    }, 'the job for clip.mov')
    expect(job).toMatchObject({ lane: 'encode', slots: 2 })

    // The kind's own lane and one slot go unsaid.
    const plain = idIn((await cli(['watch', 'add', tempDir(), 'shell', ...CAT, '--disabled'])).stderr)
    expect((await cli(['watch', 'show', plain])).stdout).not.toMatch(/^ {2}(lane|slots):/m)
  })
})

describe('offload watch list, show, disable, enable and rm', () => {
  it('lists and shows a watch with what it made, switches it off and on (files that came meanwhile become jobs), and removes it', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'first.txt'), 'one')
    const id = idIn((await cli(['watch', 'add', folder, 'shell', ...CAT, '--settle', '100ms'])).stderr)
    const watched = await waitFor(async () => {
      const w = await watchOf(id)
      return w.state === 'watching' && w.handedOver === 1 && w
    }, 'the job for first.txt')
    const [job] = await jobsIn(folder)

    const table = await cli(['watch', 'list'], { env: { COLUMNS: '250' } })
    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +STATE +FOLDER +GLOB +KIND +HANDED +PENDING$/)
    expect(table.stdout).toMatch(new RegExp(`^${id} watching +${folder} +\\* +shell +1 +0$`, 'm'))
    const listed = JSON.parse((await cli(['watch', 'ls', '--json'])).stdout) as { watches: Watch[] }
    expect(listed.watches.map((w) => w.id)).toEqual((await watches()).map((w) => w.id))

    const shown = await cli(['watch', 'show', id])
    expect(shown.code).toBe(0)
    const lines = shown.stdout.split('\n')
    expect(lines[0]).toBe(`${folder} (${id})`)
    expect(lines).toEqual(
      expect.arrayContaining([
        '  state:      watching',
        '  files:      *, in subfolders too',
        '  params:     {"command":"cat","args":["{{path}}"]}',
        '  settle:     100ms unchanged before a file’s job is made',
        '  handed:     1 file in the folder handed over as jobs',
        `  last job:   ${job!.id}`,
        '  skipped:    —',
      ]),
    )
    expect(JSON.parse((await cli(['watch', 'show', id, '--json'])).stdout)).toMatchObject({ ...watched, lastJobId: job!.id })

    const off = await cli(['watch', 'disable', id])
    expect([off.code, off.stderr]).toEqual([0, `Disabled watch ${id} on ${folder}; files that come meanwhile become jobs once it is enabled again\n`])
    expect(await watchOf(id)).toMatchObject({ enabled: false, state: 'disabled' })
    writeFileSync(join(folder, 'second.txt'), 'two')
    const on = await cli(['watch', 'enable', id])
    expect(on.code).toBe(0)
    expect(on.stderr).toMatch(new RegExp(`^Enabled watch ${id} on ${folder}; (scanning: Looking through the files already there|watching)\\n$`))
    await waitFor(async () => (await jobsIn(folder)).some((j) => j.name === 'second.txt'), 'the job for the file that came while disabled')
    expect((await jobsIn(folder)).map((j) => j.name)).toEqual(['first.txt', 'second.txt'])

    const missing = '01JZZZZZZZZZZZZZZZZZZZZZZZ'
    const removed = await cli(['watch', 'rm', id, missing])
    expect([removed.code, removed.stderr]).toEqual([2, `Removed 1 watch\n  ${missing}: No watch with id ${missing}\n`])
    expect((await watches()).some((w) => w.id === id)).toBe(false)
    // The jobs it made stay.
    expect(((await server.call('GET', `/api/jobs/${job!.id}`)) as Job).id).toBe(job!.id)
  })

  it('shows the last file that made no job, and why', async () => {
    const folder = tempDir()
    // The params are checked with example.txt when the watch is made: its cwd is there; a real file's is not.
    mkdirSync(join(folder, 'example.txt.d'))
    const id = idIn((await cli(['watch', 'add', folder, 'shell', '--param', 'command=pwd', '--param', 'cwd={{path}}.d', '--settle', '100ms'])).stderr)
    writeFileSync(join(folder, 'report.csv'), 'a,b')
    await waitFor(async () => (await watchOf(id)).lastSkipped !== null, 'report.csv to be skipped')
    const shown = await cli(['watch', 'show', id])
    expect(shown.stdout).toMatch(/\n {2}handed: +0 files in the folder handed over as jobs\n/)
    expect(shown.stdout).toMatch(/\n {2}skipped: +report\.csv \(\d\d:\d\d\): Invalid params for "shell": cwd: No such folder\n/)
  })

  it('says when there are none', async () => {
    for (const w of await watches()) await server.call('DELETE', `/api/watches/${w.id}`)
    const run = await cli(['watch', 'list'])
    expect([run.code, run.stdout]).toEqual([0, ''])
    expect(run.stderr).toMatch(/^No watched folders yet: offload watch add <folder> <kind>/)
    expect(JSON.parse((await cli(['watch', 'list', '--json'])).stdout)).toEqual({ watches: [] })
  })
})

describe('bad watches: one line on stderr naming what is wrong, exit code 2, nothing created', () => {
  const file = (): string => {
    const path = join(tempDir(), 'notes.txt')
    writeFileSync(path, 'x')
    return path
  }
  const cases: [string, () => string[], (args: string[]) => RegExp | string][] = [
    ['a file as the folder', () => [file(), 'shell', ...CAT], ([path]) => `offload: ${path}: A file, not a folder\n`],
    [
      'an unknown kind',
      () => [tempDir(), 'nope', ...CAT],
      () => new RegExp(`^offload: No job kind "nope"; known kinds: ${BUILTIN_KINDS.map((k) => k.name).join(', ')}\n$`),
    ],
    [
      'a placeholder there is not',
      () => [tempDir(), 'shell', '--param', 'command=cat', '--param', 'args={{paht}}'],
      () => 'offload: --param args: Unknown placeholder {{paht}}; use {{path}}, {{name}} or {{dir}}\n',
    ],
    [
      'a placeholder there is not, in --params-json',
      () => [tempDir(), 'shell', '--params-json', '{"command": "cat {{file}}"}'],
      () => 'offload: --param command: Unknown placeholder {{file}}; use {{path}}, {{name}} or {{dir}}\n',
    ],
    [
      'a param the kind does not have',
      () => [tempDir(), 'shell', '--param', 'colour=red'],
      () => /^offload: "shell" has no param "colour"; its params: command/,
    ],
    // Without params each job gets {"path": "{{path}}"}, which a shell job can't run.
    ['no params, for a kind that needs some', () => [tempDir(), 'shell'], () => 'offload: --param command: Required\n'],
    [
      'params the kind refuses for a file in the folder',
      () => [tempDir(), 'hash-files', '--param', 'folder={{path}}'],
      ([folder]) => `offload: Invalid params for "hash-files": folder: No such folder (with {{path}} as ${join(folder!, 'example.txt')})\n`,
    ],
    [
      'a settle time too short',
      () => [tempDir(), 'shell', ...CAT, '--settle', '5ms'],
      () => 'offload: --settle: a duration from 100ms to 10m, such as 500ms or 5s, got "5ms"\n',
    ],
    ['a settle time that is no duration', () => [tempDir(), 'shell', ...CAT, '--settle', 'soon'], () => /^offload: --settle: .*got "soon"\n$/],
    [
      'a name that cannot be a lane',
      () => [tempDir(), 'shell', ...CAT, '--lane', 'Bad Lane'],
      () => /^offload: --lane: A lane is a lowercase name like "encode"/,
    ],
    ['no slots', () => [tempDir(), 'shell', ...CAT, '--slots', '0'], () => 'offload: --slots: a whole number from 1 to 64, got "0"\n'],
    [
      'more slots than Offload runs at once',
      () => [tempDir(), 'shell', ...CAT, '--slots', '64'],
      () => /^offload: --slots: 64 slots is more than the \d+ jobs Offload runs at once \(the concurrency setting\)\n$/,
    ],
    ['an empty glob', () => [tempDir(), 'shell', ...CAT, '--glob', ''], () => /^offload: --glob: .+\n$/],
    ['no kind', () => [tempDir()], () => /^offload: missing required argument 'kind'\n$/],
    ['--json and --print-id', () => [tempDir(), 'shell', ...CAT, '--json', '--print-id'], () => 'offload: Give --json or --print-id, not both\n'],
  ]
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const before = (await watches()).length
      const given = args()
      const run = await cli(['watch', 'add', ...given])
      expect([run.code, run.stdout]).toEqual([2, ''])
      const expected = message(given)
      if (typeof expected === 'string') expect(run.stderr).toBe(expected)
      else expect(run.stderr).toMatch(expected)
      expect((await watches()).length).toBe(before)
    })
  }

  it('an id that is not there, or no id at all', async () => {
    const missing = '01JZZZZZZZZZZZZZZZZZZZZZZZ'
    const show = await cli(['watch', 'show', missing])
    expect([show.code, show.stderr]).toEqual([2, `offload: No watch with id ${missing}\n`])
    const enable = await cli(['watch', 'enable', missing])
    expect([enable.code, enable.stderr]).toEqual([2, `Not enabled: ${missing}: No watch with id ${missing}\n`])
    const bad = await cli(['watch', 'show', 'not-an-id'])
    expect([bad.code, bad.stderr]).toEqual([2, 'offload: id: Watch ids are 26-character ULIDs\n'])
  })
})

describe('completion of watch', () => {
  it('bash completes its commands, then each one’s flags, and not the top-level add’s', async () => {
    const complete = await bashCompletion()
    expect(await complete('offload', 'wat')).toBe('watch')
    expect((await complete('offload', 'watch', '')).split(' ')).toEqual(expect.arrayContaining(['add', 'list', 'show', 'rm', 'enable', 'disable']))
    expect(await complete('offload', 'watch', 'add', '--gl')).toBe('--glob')
    expect(await complete('offload', 'watch', 'add', '~/Scans', 'shell', '--no')).toBe('--no-recursive')
    expect(await complete('offload', 'watch', 'add', '--fol')).toBe('')
    expect(await complete('offload', 'watch', 'show', '--')).toBe('--json --help --url --token --data')
  })
})
