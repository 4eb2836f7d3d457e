import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/shared/errors'
import { DatabaseOpenError } from '../../src/main/engine/database'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { openHost } from '../../src/main/engine/host'
import { createHttpServer } from '../../src/main/headless/http-server'
import { dataDirWithKinds, startHost, waitFor, waitForStatus, WORKER } from '../helpers'

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz'

function storageCode(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    if (error instanceof ApiError) return error.code
    throw error
  }
  return undefined
}

const statusInDb = (db: Database.Database, id: string): string => (db.prepare(`SELECT status FROM jobs WHERE id = ?`).get(id) as { status: string }).status

describe('the engine stays up when its database fails', () => {
  it('a read-only database: nothing new starts, a finished job waits in memory, and all resumes once it is writable', async () => {
    const dataDir = dataDirWithKinds(['sleep.mjs'])
    writeFileSync(
      join(dataDir, 'kinds', 'ticker.mjs'),
      `export default { name: 'ticker', async run(_, ctx) {
        for (let i = 1; i <= 8; i++) { ctx.log('tick ' + i); await new Promise((r) => setTimeout(r, 100)) }
      } }`,
    )
    const host = await startHost({ dataDir, engine: { concurrency: 1, storageRetryMs: 100 } })
    const told: string[] = []
    host.engine.subscribe((event) => {
      if (event.type === 'storage') told.push(event.storage.status)
    })
    const first = host.api.createJob({ kind: 'ticker' })
    const second = host.api.createJob({ kind: 'sleep', params: { ms: 1 } })
    await waitFor(() => host.api.getJob({ id: first.id }).startedAt, 'the first job to start')
    host.db.pragma('query_only = ON')

    expect(storageCode(() => host.api.createJob({ kind: 'sleep', params: { ms: 1 } }))).toBe('storage_readonly')
    expect(host.engine.stats().storage).toMatchObject({ status: 'readonly', message: expect.stringContaining('cannot be written') })
    // The first job finishes on its worker; its outcome can't be written yet, and nothing else is dispatched.
    await waitFor(() => host.engine.stats().workers.busy === 0, 'the first job’s worker to be done')
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect([statusInDb(host.db, first.id), statusInDb(host.db, second.id)]).toEqual(['running', 'queued'])
    expect(host.engine.stats().storage.status).toBe('readonly')
    // A pause is taken at once all the same, and saved once it can be.
    host.engine.pause()
    expect(host.engine.stats().paused).toBe(true)

    host.db.pragma('query_only = OFF')
    await waitFor(() => host.engine.stats().storage.status === 'ok', 'storage to be ok again')
    expect(host.db.prepare(`SELECT value FROM settings WHERE key = 'paused'`).pluck().get()).toBe('true')
    host.engine.resume()
    expect((await waitForStatus(host, first.id, 'succeeded')).attempts).toBe(1)
    // Its lines from during the trouble were kept and written too.
    expect(host.api.getJobLogs({ id: first.id }).lines.map((l) => l.line)).toEqual(Array.from({ length: 8 }, (_, i) => `tick ${i + 1}`))
    await waitForStatus(host, second.id, 'succeeded')
    expect(told).toEqual(['readonly', 'ok'])
  })

  it('a full disk: new jobs get storage_full (HTTP 507) and stats say so, until there is room again', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 1, storageRetryMs: 100 } })
    const http = createHttpServer({ handlers: host.handlers, subscribe: (l) => host.engine.subscribe(l), token: TOKEN })
    const port = await http.listen(0)
    try {
      const pages = host.db.pragma('page_count', { simple: true }) as number
      host.db.pragma(`max_page_count = ${pages}`)
      const accepted: string[] = []
      let refused: string | undefined
      for (let i = 0; i < 5000 && !refused; i++) {
        refused = storageCode(() => accepted.push(host.api.createJob({ kind: 'sleep', params: { ms: 1 }, name: `filler ${'x'.repeat(190)}` }).id))
      }
      expect(refused).toBe('storage_full')
      expect(host.engine.stats().storage.status).toBe('full')
      const res = await fetch(`http://127.0.0.1:${port}/api/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ kind: 'sleep', params: { ms: 1 }, name: 'y'.repeat(200) }),
      })
      expect(res.status).toBe(507)
      expect(await res.json()).toMatchObject({ error: { code: 'storage_full', message: expect.stringContaining('full') } })
      const stats = (await (await fetch(`http://127.0.0.1:${port}/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
        storage: { status: string; since: string }
      }
      expect(stats.storage.status).toBe('full')
      expect(Date.parse(stats.storage.since)).toBeGreaterThan(0)

      host.db.pragma('max_page_count = 1073741823')
      await waitFor(() => host.engine.stats().storage.status === 'ok', 'room to be found again')
      const after = host.api.createJob({ kind: 'sleep', params: { ms: 1 } })
      for (const id of [...accepted, after.id]) await waitForStatus(host, id, 'succeeded')
    } finally {
      await http.close()
    }
  })
})

describe('a damaged database at start', () => {
  it('is refused with a clear message and left byte for byte as it was', async () => {
    const dataDir = dataDirWithKinds([])
    const healthy = await startHost({ dataDir })
    healthy.api.createJobs({ jobs: Array.from({ length: 500 }, (_, i) => ({ kind: 'shell', name: `job ${i}`, params: { command: 'true' } })) })
    healthy.engine.pause()
    await healthy.close(0)
    const file = join(dataDir, 'offload.db')
    // Everything after the schema page is junk: the tables and their indexes.
    const size = statSync(file).size
    const fd = openSync(file, 'r+')
    for (let at = 4096; at < size; at += 4096) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, at)
    closeSync(fd)
    const before = createHash('sha256').update(readFileSync(file)).digest('hex')

    const opened = openHost({ dataDir, launcher: createForkLauncher(WORKER) })
    await expect(opened).rejects.toBeInstanceOf(DatabaseOpenError)
    await expect(opened).rejects.toMatchObject({ code: 'corrupt_database', message: expect.stringContaining('is damaged') })
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before)
  })
})
