import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_KINDS } from '../../src/main/kinds/builtin'
import { formatTime } from '../../src/main/cli/output'
import type { Stats } from '../../src/shared/job'
import { CLI, offload, startFileServer, type FileServer } from '../cli-helpers'
import { tempDir, waitFor, waitForServerInfo } from '../helpers'

/** One server for the whole file, built as users run it. */
let server: FileServer
let data: string
const jobCount = async (): Promise<number> => {
  const { counts } = (await server.call('GET', '/api/stats')) as { counts: Record<string, number> }
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

beforeAll(async () => {
  server = await startFileServer()
  data = server.data
})

afterAll(() => server.stop())

describe('offload add', () => {
  it('--wait exits 1 on a failed job and says why', async () => {
    const run = await offload(['--data', data, 'add', '--attempts', '1', '--wait', '--', 'sh', '-c', 'echo hi; exit 3'])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^Queued “sh -c echo hi; exit 3” \(\w{26}\)\nfailed “sh -c echo hi; exit 3” \(\w{26}\) in \d+ms: sh exited with code 3\n$/)
  })

  it('--follow prints the output as it happens, then exits with the outcome', async () => {
    const run = await offload(['--data', data, 'add', '--follow', '--', 'sh', '-c', 'echo hi; sleep 2; echo bye'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe('hi\nbye\n')
    const hi = run.chunks.find((c) => c.text.includes('hi'))!
    expect(run.ms - hi.at).toBeGreaterThan(1000)
    expect(run.stderr).toMatch(/succeeded “sh -c echo hi; sleep 2; echo bye”/)
  })

  it('a shell job runs where you are, with the environment you pass', async () => {
    const here = tempDir()
    const run = await offload(['--data', data, 'add', '--env', 'GREETING=hello', '--follow', '--', 'sh', '-c', 'pwd; echo $GREETING'], { cwd: here })
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(`${here}\nhello\n`)
  })

  it('checks a kind’s params before sending, naming the field; --print-id prints just the id', async () => {
    const folder = tempDir()
    writeFileSync(join(folder, 'a.txt'), 'same')
    writeFileSync(join(folder, 'b.txt'), 'same')
    const run = await offload(['--data', data, 'add', 'hash-files', '--param', `folder=${folder}`, '--print-id', '--wait'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^\w{26}\n$/)
    const job = (await server.call('GET', `/api/jobs/${run.stdout.trim()}`)) as { status: string; result: { duplicateGroupsTotal: number } }
    expect(job.status).toBe('succeeded')
    expect(job.result.duplicateGroupsTotal).toBe(1)
  })
})

describe('offload add, for later', () => {
  it('--delay and --at schedule the job; status shows when it runs', async () => {
    const delayed = await offload(['--data', data, 'add', '--delay', '2h', '--name', 'Later on', '--', 'true'])
    expect(delayed.code).toBe(0)
    const id = /\((\w{26})\)/.exec(delayed.stderr)![1]!
    expect(delayed.stderr).toMatch(/^Scheduled “Later on” \(\w{26}\) for /)
    const job = (await server.call('GET', `/api/jobs/${id}`)) as { status: string; runAfter: string; createdAt: string }
    expect(job.status).toBe('scheduled')
    expect(Date.parse(job.runAfter) - Date.parse(job.createdAt)).toBe(7_200_000)
    const table = await offload(['--data', data, 'status', '--status', 'scheduled'], { env: { COLUMNS: '120' } })
    // Near midnight the time two hours on is tomorrow and carries its date, so expect what the formatter says.
    const when = formatTime(job.runAfter).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    expect(table.stdout).toMatch(new RegExp(`scheduled +Later on +at ${when}`))

    const at = new Date(Date.now() + 3 * 86_400_000).toISOString()
    const exact = await offload(['--data', data, 'add', '--at', at, '--print-id', '--', 'true'])
    const scheduled = (await server.call('GET', `/api/jobs/${exact.stdout.trim()}`)) as { runAfter: string }
    expect(scheduled.runAfter).toBe(at)
    for (const cancel of [id, exact.stdout.trim()]) await server.call('POST', `/api/jobs/${cancel}/cancel`)
  })
})

describe('offload status and wait', () => {
  it('status --json is the API’s page', async () => {
    const run = await offload(['--data', data, 'status', '--json', '--limit', '5'])
    expect(run.code).toBe(0)
    const page = JSON.parse(run.stdout) as { jobs: { id: string }[]; total: number }
    const api = (await server.call('GET', '/api/jobs?limit=5&count=true')) as { jobs: { id: string }[]; total: number }
    expect(page.jobs.map((j) => j.id)).toEqual(api.jobs.map((j) => j.id))
    expect(page.total).toBe(api.total)
  })

  it('status fits a 60-column terminal: no row wraps', async () => {
    await offload(['--data', data, 'add', '--name', 'A job with a name far too long for a narrow terminal window', '--', 'true'])
    const run = await offload(['--data', data, 'status'], { env: { COLUMNS: '60' } })
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(3)
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(60)
    expect(lines[0]).toMatch(/^ID +STATUS +NAME/)
    expect(run.stdout).toMatch(/ A job with a [a-z ]+… /)
    const wide = await offload(['--data', data, 'status'], { env: { COLUMNS: '140' } })
    expect(wide.stdout.split('\n')[0]).toMatch(/PROGRESS +ETA +TRIES +TIME$/)
  })

  it('wait --all returns when nothing is queued or running: 1 if any job failed meanwhile, 0 if none did', async () => {
    for (const command of ['sleep 0.5', 'sleep 0.7; exit 1', 'sleep 0.3']) await offload(['--data', data, 'add', '--attempts', '1', '--', command])
    const failing = await offload(['--data', data, 'wait', '--all'])
    expect(failing.code).toBe(1)
    const { counts } = (await server.call('GET', '/api/stats')) as Stats
    expect(counts.queued + counts.running).toBe(0)
    expect(failing.stderr).toMatch(/failed “sleep 0.7; exit 1”/)
    await offload(['--data', data, 'add', '--', 'sleep 0.3'])
    expect((await offload(['--data', data, 'wait', '--all'])).code).toBe(0)
    // Nothing to wait for: at once.
    expect((await offload(['--data', data, 'wait', '--all'])).code).toBe(0)
  })
})

describe('odd input that must still work', () => {
  it('a list param keeps its items as given, spaces and empty ones too', async () => {
    const run = await offload(['--data', data, 'add', 'shell', '-p', 'command=printf', '-p', 'args=[%s]', '-p', 'args=  ', '-p', 'args=', '--follow'])
    expect([run.code, run.stdout]).toEqual([0, '[  ][]\n'])
  })

  it('one word after -- that names a program here runs it, spaces and all', async () => {
    const here = tempDir()
    writeFileSync(join(here, 'my script.sh'), '#!/bin/sh\necho from the script\n', { mode: 0o755 })
    const run = await offload(['--data', data, 'add', '--follow', '--', './my script.sh'], { cwd: here })
    expect([run.code, run.stdout]).toEqual([0, 'from the script\n'])
  })

  it('a name over several lines stays on one row of the table', async () => {
    await offload(['--data', data, 'add', '--name', 'first line\nsecond line', '--', 'true'])
    const run = await offload(['--data', data, 'status', '--limit', '1'], { env: { COLUMNS: '100' } })
    expect(run.stdout.split('\n').filter((l) => l.includes('first line'))).toEqual([expect.stringContaining('first line second line')])
    expect(run.stdout).not.toMatch(/^second line/m)
  })

  it('wait says when a job it waits for is removed, and exits 1', async () => {
    await server.call('POST', '/api/queue/pause')
    const id = (await offload(['--data', data, 'add', '--print-id', '--', 'true'])).stdout.trim()
    const waiting = offload(['--data', data, 'wait', id])
    await new Promise((resolve) => setTimeout(resolve, 800))
    await offload(['--data', data, 'remove', id])
    const run = await waiting
    await server.call('POST', '/api/queue/resume')
    expect([run.code, run.stderr]).toEqual([1, `Job ${id} was removed\n`])
  })

  it('clean removes the finished jobs of a status, through the same path as the clean-up, and refuses the unfinished', async () => {
    const id = (await offload(['--data', data, 'add', '--print-id', '--', 'exit 3'])).stdout.trim()
    await waitFor(async () => ((await server.call('GET', `/api/jobs/${id}`)) as { status?: string }).status === 'failed', 'the job to fail', 30_000)
    const failed = ((await server.call('GET', '/api/stats')) as { counts: { failed: number } }).counts.failed
    expect(await offload(['--data', data, 'clean', '--status', 'failed'])).toMatchObject({
      code: 0,
      stderr: `Removed ${failed} failed ${failed === 1 ? 'job' : 'jobs'}\n`,
    })
    expect(((await server.call('GET', `/api/jobs/${id}`)) as { error?: { code: string } }).error?.code).toBe('not_found')
    expect(await offload(['--data', data, 'clean', '--status', 'queued'])).toMatchObject({ code: 2 })
  })
})

describe('offload status --watch', () => {
  it('redraws when jobs change, until Ctrl+C', async () => {
    const child = spawn(process.execPath, [CLI, '--data', data, 'status', '--watch'], {
      env: { PATH: process.env.PATH ?? '', HOME: tempDir('offload-home-'), NO_COLOR: '1', COLUMNS: '100' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const until = async (check: () => boolean, what: string): Promise<void> => {
      for (let waited = 0; !check(); waited += 50) {
        if (waited > 10_000) throw new Error(`${what}: ${out}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
    await until(() => out.includes('running ·'), 'the first drawing')
    await offload(['--data', data, 'add', '--name', 'Drawn while watching', '--', 'sleep 1'])
    await until(() => out.includes('Drawn while watching'), 'a drawing with the new job')
    child.kill('SIGINT')
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0)
  })
})

describe('finding Offload', () => {
  it('flags beat the environment, which beats server.json', async () => {
    const good = { OFFLOAD_URL: server.info.url, OFFLOAD_TOKEN: server.info.token }
    const flagsWin = await offload(['--url', 'http://127.0.0.1:9', '--token', 'x', 'status'], { env: good })
    expect(flagsWin.code).toBe(3)
    expect(flagsWin.stderr).toBe('offload: Offload isn’t answering at http://127.0.0.1:9: start the app, or `offload serve`\n')
    const envWins = await offload(['--data', tempDir(), 'status', '--json'], { env: good })
    expect(envWins.code).toBe(0)
    const fromFile = await offload(['--data', data, 'status', '--json'])
    expect(fromFile.code).toBe(0)
  })

  it('finds the headless default ~/.offload when nothing is named, and a stale server.json says Offload isn’t running', async () => {
    const home = tempDir('offload-home-')
    mkdirSync(join(home, '.offload'))
    writeFileSync(join(home, '.offload', 'server.json'), JSON.stringify({ ...server.info, pid: process.pid }))
    expect((await offload(['status', '--json'], { env: { HOME: home } })).code).toBe(0)
    // A pid that is not running any more.
    writeFileSync(join(home, '.offload', 'server.json'), JSON.stringify({ ...server.info, pid: 2 ** 22 + 17 }))
    const stale = await offload(['status'], { env: { HOME: home } })
    expect(stale.code).toBe(3)
    expect(stale.stderr).toBe(
      `offload: Offload isn’t running: start the app, or \`offload serve\` (the server that used ${join(home, '.offload')} has stopped)\n`,
    )
    const none = await offload(['status'], { env: { HOME: tempDir('offload-home-') } })
    expect([none.code, none.stderr]).toEqual([3, 'offload: Offload isn’t running: start the app, or `offload serve`\n'])
  })
})

describe('bad input: one line on stderr, exit code 2, nothing created', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown kind, listing the known ones',
      ['add', 'nope'],
      new RegExp(`^offload: No job kind "nope"; known kinds: ${BUILTIN_KINDS.map((k) => k.name).join(', ')}\n$`),
    ],
    ['a param the schema refuses, naming the field', ['add', 'hash-files', '--param', 'folder=/no/such/folder'], /^offload: .*folder: No such folder\n$/],
    ['a param the kind does not have', ['add', 'hash-files', '--param', 'colour=red'], /^offload: "hash-files" has no param "colour"; its params: folder\n$/],
    ['a required param missing', ['add', 'hash-files'], /^offload: --param folder: Required\n$/],
    ['malformed --params-json', ['add', 'shell', '--params-json', '{bad'], /^offload: --params-json is not valid JSON: .+\n$/],
    ['an unknown id', ['log', '01JZZZZZZZZZZZZZZZZZZZZZZZ'], /^offload: No job with id 01JZZZZZZZZZZZZZZZZZZZZZZZ\n$/],
    ['an id that is not one', ['cancel', 'not-an-id'], /^offload: .*ids\.0.*26-character ULIDs.*\n$/],
    ['a duration that is not one', ['add', '--timeout', 'soon', '--', 'true'], /^offload: --timeout: a duration such as 90s, 5m or 1h30m, got "soon"\n$/],
    ['an unknown option', ['status', '--colour'], /^offload: unknown option '--colour'.*\n$/],
    ['--at that is no time', ['add', '--at', 'teatime', '--', 'true'], /^offload: --at: a time such as 14:30, .*got "teatime"\n$/],
    ['--at and --delay together', ['add', '--at', '14:30', '--delay', '5m', '--', 'true'], /^offload: Give --at or --delay, not both\n$/],
    ['--delay that is no duration', ['add', '--delay', 'later', '--', 'true'], /^offload: --delay: a duration such as 90s, 5m or 1h30m, got "later"\n$/],
  ]
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const before = await jobCount()
      const run = await offload(['--data', data, ...args])
      expect([run.code, run.stderr.split('\n').length - 1]).toEqual([2, 1])
      expect(run.stderr).toMatch(message)
      expect(await jobCount()).toBe(before)
    })
  }

  it('a wrong token', async () => {
    const before = await jobCount()
    const run = await offload(['--url', server.info.url, '--token', 'wrong', 'add', '--', 'true'])
    expect(await jobCount()).toBe(before)
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(`offload: The token was refused by ${server.info.url} (it came from --token); the right one is in the data folder's server.json\n`)
    const watching = await offload(['--url', server.info.url, '--token', 'wrong', 'status', '--watch'])
    expect([watching.code, watching.stdout]).toEqual([2, ''])
  })
})

describe('offload serve and open', () => {
  it('serve is the headless server, with its own flags; open prints the panel’s address with its token', async () => {
    const folder = tempDir()
    // The global --data before the command means the same as after it.
    const child = spawn(process.execPath, [CLI, '--data', folder, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const info = await waitForServerInfo(folder, child)
    const opened = await offload(['--data', folder, 'open'], { env: { PATH: '/nonexistent' } })
    expect(opened.code).toBe(0)
    expect(opened.stdout).toBe(`${info.url}/?token=${encodeURIComponent(info.token)}\n`)
    child.kill('SIGTERM')
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0)
    const help = await offload(['serve', '--help'])
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('--concurrency')])
  })
})

describe('completion', () => {
  it('writes scripts bash, zsh and fish read without error', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const run = await offload(['completion', shell])
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('offload')
      for (const command of ['add', 'status', 'follow', 'wait', 'completion']) expect(run.stdout).toContain(command)
    }
    const bash = await offload(['completion', 'bash'])
    const check = spawn('bash', ['-n'], { stdio: ['pipe', 'ignore', 'pipe'] })
    let errors = ''
    check.stderr.on('data', (d: Buffer) => (errors += d.toString()))
    check.stdin.end(bash.stdout)
    expect(await new Promise((resolve) => check.on('exit', resolve))).toBe(0)
    expect(errors).toBe('')
    const unknown = await offload(['completion', 'tcsh'])
    expect([unknown.code, unknown.stderr]).toEqual([2, 'offload: No completion for "tcsh"; there is bash, zsh, fish\n'])
  })
})
