import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import { offload, startFileServer, type FileServer } from '../cli-helpers'
import { tempDir } from '../helpers'

/** Two servers built as users run them: the queue moves from the first to the second. */
let from: FileServer
let to: FileServer

const post = async (server: FileServer, path: string, body: unknown): Promise<unknown> =>
  (
    await fetch(server.info.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.info.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json()
const countsOf = async (server: FileServer): Promise<Record<string, number>> =>
  ((await server.call('GET', '/api/stats')) as { counts: Record<string, number> }).counts
const total = async (server: FileServer): Promise<number> => Object.values(await countsOf(server)).reduce((a, b) => a + b, 0)

let held: Job
let child: Job

beforeAll(async () => {
  ;[from, to] = await Promise.all([startFileServer(), startFileServer()])
  held = (await post(from, '/api/jobs', { kind: 'shell', name: 'held one', params: { command: 'true' }, hold: true })) as Job
  child = (await post(from, '/api/jobs', { kind: 'shell', name: 'after it', params: { command: 'true' }, after: [held.id] })) as Job
  await fetch(`${from.info.url}/api/lanes/encode`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${from.info.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ concurrency: 1 }),
  })
})

afterAll(() => {
  from?.stop()
  to?.stop()
})

describe('offload export and offload import', () => {
  it('export --out writes the queue as JSON Lines and says what it wrote; import adds it, and a second import skips it all', async () => {
    const file = join(tempDir(), 'queue.jsonl')
    const exported = await offload(['--data', from.data, 'export', '--out', file])
    expect([exported.code, exported.stdout]).toEqual([0, ''])
    expect(exported.stderr).toBe(`Exported 2 jobs, 0 schedules, 0 watches, 1 lane and the settings to ${file}\n`)
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'offload-export', version: 1 })
    expect(lines).toHaveLength(5)

    const imported = await offload(['--data', to.data, 'import', file])
    expect([imported.code, imported.stdout, imported.stderr]).toEqual([0, '', 'Imported 2 jobs, 1 lane and the settings\n'])
    expect(((await to.call('GET', `/api/jobs/${child.id}`)) as Job).status).toBe('waiting')
    expect(((await to.call('GET', '/api/lanes/encode')) as { concurrency: number }).concurrency).toBe(1)

    const again = await offload(['--data', to.data, 'import', file, '--json'])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual({
      jobs: { added: 0, skipped: 2 },
      schedules: { added: 0, skipped: 0 },
      watches: { added: 0, skipped: 0 },
      lanes: { added: 0, skipped: 1 },
      settings: true,
    })
    expect(again.stderr).toBe('Imported the settings; skipped 2 jobs and 1 lane already there\n')
  })

  it('export writes to stdout by default', async () => {
    const run = await offload(['--data', from.data, 'export'])
    expect(run.code).toBe(0)
    const types = run.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type)
    expect(types).toEqual(['offload-export', 'settings', 'lane', 'job', 'job'])
    expect(run.stderr).toBe('Exported 2 jobs, 0 schedules, 0 watches, 1 lane and the settings\n')
  })

  it('a bad file is refused naming the file and the line, exits 2, and stores nothing', async () => {
    const before = await total(to)
    const file = join(tempDir(), 'bad.jsonl')
    const header = JSON.stringify({ type: 'offload-export', version: 1, exportedAt: new Date().toISOString() })
    writeFileSync(file, `${header}\n{"type":"lane","name":"fresh","concurrency":2,"paused":false}\n{"type":"jobs"}\n`)
    const run = await offload(['--data', to.data, 'import', file])
    expect([run.code, run.stdout]).toEqual([2, ''])
    expect(run.stderr).toBe(`offload: ${file}: Line 3, type: unknown record type ("jobs"); expected one of job, schedule, watch, lane, settings\n`)
    expect(await total(to)).toBe(before)
    expect(((await to.call('GET', '/api/lanes/fresh')) as { concurrency: number | null }).concurrency).toBeNull()
  })

  it('a file that is not there is said so, exit 2', async () => {
    const run = await offload(['--data', to.data, 'import', 'no-such-file.jsonl'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^offload: Can’t read no-such-file\.jsonl: ENOENT/)
  })

  it('no server: exit 3, and no file is left behind', async () => {
    const file = join(tempDir(), 'none.jsonl')
    const run = await offload(['--url', 'http://127.0.0.1:9', '--token', 'x', 'export', '--out', file])
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(/^offload: Offload isn’t answering at http:\/\/127\.0\.0\.1:9/)
    expect(existsSync(file)).toBe(false)
  })

  it('--help gives examples', async () => {
    const exportHelp = await offload(['export', '--help'])
    expect(exportHelp.stdout).toContain('$ offload export --out queue.jsonl')
    const importHelp = await offload(['import', '--help'])
    expect(importHelp.stdout).toContain('$ offload import queue.jsonl')
    expect(importHelp.stdout).toContain('Jobs that were running come back queued')
  })
})
