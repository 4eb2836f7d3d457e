/**
 * Storage torture: the jobs database damaged, read-only, or on a disk that
 * fills up, at start and while running. The server must say so in one line
 * and exit non-zero, or carry on degraded and tell its clients; it never
 * prints a stack trace, never dies after saying it is serving, never harms
 * the file it could not use, and recovers by itself once there is room again.
 *
 * Read-only and full disks need mounts (a read-only bind mount, a small
 * tmpfs): a case that cannot mount here is skipped with a printed reason.
 * Everything mounted is unmounted in afterAll.
 *
 * Figures: cases, skipped, passed.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  apiClient,
  becomes,
  createRng,
  describeProcs,
  killEverything,
  mark,
  markedProcesses,
  nonEmptyLines,
  printFigures,
  removeTempDirs,
  sleep,
  spawnServer,
  stackTraceLines,
  startServer,
  stopServer,
  tempFolder,
  waitUntil,
  type ApiCall,
  type ServerProcess,
} from './lib'

const mounts: string[] = []
let cases = 0
let skipped = 0
let passed = 0

afterAll(async () => {
  printFigures('storage', { cases, skipped, passed })
  await killEverything()
  for (const target of mounts.splice(0).reverse()) {
    try {
      execFileSync('umount', [target], { stdio: 'pipe' })
    } catch {
      try {
        execFileSync('umount', ['-l', target], { stdio: 'pipe' })
      } catch (error) {
        console.error(`[storage] could not unmount ${target}: ${(error as Error).message}`)
      }
    }
  }
  removeTempDirs()
})

// ── Helpers ──────────────────────────────────────────────────────────────

/** Runs `mount <args> <target>` (args end with the source), remembering the target for afterAll; the error text if not permitted. */
function mount(args: string[], target: string): string | undefined {
  try {
    execFileSync('mount', [...args, target], { stdio: 'pipe' })
    mounts.push(target)
    return undefined
  } catch (error) {
    return ((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim()
  }
}

function remount(options: string, target: string): void {
  execFileSync('mount', ['-o', options, target], { stdio: 'pipe' })
}

function unmount(target: string): void {
  execFileSync('umount', [target], { stdio: 'pipe' })
  mounts.splice(mounts.indexOf(target), 1)
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

const isRoot = process.getuid?.() === 0

/** One storage case, counted; `skip` marks it skipped with a printed reason. */
function storageCase(name: string, body: (skip: (why: string) => void) => Promise<void>, timeoutMs = 120_000): void {
  it(
    name,
    async (context) => {
      cases++
      let skippedWhy: string | undefined
      await body((why) => {
        skippedWhy = why
      })
      if (skippedWhy !== undefined) {
        skipped++
        console.log(`[storage] SKIPPED "${name}": ${skippedWhy}`)
        context.skip(skippedWhy)
        return
      }
      passed++
    },
    timeoutMs,
  )
}

let pristine: { dir: string; db: string; jobs: number } | undefined

/** A real offload.db of a few hundred KB (a server ran, took 1,500 jobs, and stopped cleanly). */
async function pristineDatabase(): Promise<{ dir: string; db: string; jobs: number }> {
  if (pristine) return pristine
  const dir = tempFolder('storage-pristine')
  const server = await startServer(dir, ['--concurrency', '1'])
  expect((await server.call('POST', '/api/queue/pause')).status).toBe(200)
  const rng = createRng(42)
  for (let batch = 0; batch < 3; batch++) {
    const jobs = Array.from({ length: 500 }, (_, i) => ({
      kind: 'shell',
      name: `stored job ${batch}-${i} ${rng.string(20)}`,
      params: { command: `echo ${rng.string(200)}` },
    }))
    const res = await server.call('POST', '/api/jobs/batch', { jobs })
    expect(res.status, res.text).toBe(201)
  }
  expect(await stopServer(server), server.output()).toBe(0)
  const db = join(dir, 'offload.db')
  expect(existsSync(`${db}-wal`) && statSync(`${db}-wal`).size > 0, 'a clean stop leaves no WAL to replay').toBe(false)
  pristine = { dir, db, jobs: 1500 }
  return pristine
}

/** A data folder holding a copy of the pristine database (and its token). */
async function folderWithDatabase(part: string): Promise<string> {
  const source = await pristineDatabase()
  const dir = tempFolder(part)
  copyFileSync(source.db, join(dir, 'offload.db'))
  copyFileSync(join(source.dir, 'token'), join(dir, 'token'))
  return dir
}

interface StartVerdict {
  outcome: 'refused' | 'serving'
  code: number | null
  signal: NodeJS.Signals | null
  output: string
  server: ServerProcess
  call?: ApiCall
}

/** Starts a server and waits until it either exits or says it is serving. */
async function startAndJudge(dataDir: string, args: string[] = []): Promise<StartVerdict> {
  const server = spawnServer(dataDir, ['--port', '0', ...args])
  const verdict = await waitUntil(
    () => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) return 'refused' as const
      // The panel's line comes last: once it is there, the whole greeting is.
      return /Panel: http/.test(server.output()) ? ('serving' as const) : undefined
    },
    () => `the server to exit or to say it is serving; output so far:\n${server.output()}`,
    30_000,
    20,
  )
  if (verdict === 'refused') await server.exited
  const panel = /Panel: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)/.exec(server.output())
  return {
    outcome: verdict,
    code: server.child.exitCode,
    signal: server.child.signalCode,
    output: server.output(),
    server,
    ...(panel ? { call: apiClient({ url: panel[1]!, token: panel[2]! }) } : {}),
  }
}

/** The checks for a server that must refuse to start: a non-zero exit, one friendly line, no stack trace. */
function expectRefusedInOneLine(verdict: StartVerdict, what: string, mustSay?: RegExp): void {
  expect(verdict.outcome, `${what}: the server must refuse to start, but it said it is serving:\n${verdict.output}`).toBe('refused')
  expect(verdict.signal, `${what}: killed by a signal rather than exiting:\n${verdict.output}`).toBeNull()
  expect(verdict.code, `${what}: exit code:\n${verdict.output}`).not.toBe(0)
  expect(stackTraceLines(verdict.output), `${what}: no stack trace in the output:\n${verdict.output}`).toEqual([])
  expect(nonEmptyLines(verdict.output), `${what}: one line of output`).toHaveLength(1)
  if (mustSay) expect(verdict.output, what).toMatch(mustSay)
}

/**
 * For a read-only database: refuse in one line, or run degraded (stays up, says
 * storage is not ok, refuses writes with a typed storage error), never a
 * stack trace, never dying after saying it is serving.
 */
async function expectRefusedOrDegraded(verdict: StartVerdict, what: string): Promise<string> {
  if (verdict.outcome === 'refused') {
    expectRefusedInOneLine(verdict, what)
    return 'refused'
  }
  expect(verdict.call, `${what}: the panel URL with its token is printed:\n${verdict.output}`).toBeDefined()
  await sleep(3000)
  expect(verdict.server.child.exitCode, `${what}: the server said it was serving, then died:\n${verdict.server.output()}`).toBeNull()
  // It may not know before its first write; after a refused one it must say so.
  const before = await verdict.call!('GET', '/api/stats')
  expect(before.status, `${what}: GET /api/stats: ${before.text}`).toBe(200)
  console.log(`[storage] ${what}: stats.storage before any write: ${JSON.stringify(before.body.storage)}`)
  const add = await verdict.call!('POST', '/api/jobs', { kind: 'shell', params: { command: 'true' } })
  expect([add.status, add.body?.error?.code], `${what}: adding a job to a read-only database: ${add.text}`).toEqual([503, 'storage_readonly'])
  const stats = await verdict.call!('GET', '/api/stats')
  expect(stats.status, `${what}: GET /api/stats: ${stats.text}`).toBe(200)
  expect(stats.body.storage?.status, `${what}: stats.storage after a refused write: ${JSON.stringify(stats.body.storage)}`).toBe('readonly')
  await sleep(1000)
  expect(verdict.server.child.exitCode, `${what}: the server died:\n${verdict.server.output()}`).toBeNull()
  expect(stackTraceLines(verdict.server.output()), `${what}: no stack trace in the output:\n${verdict.server.output()}`).toEqual([])
  await stopServer(verdict.server, 5000)
  return 'degraded'
}

// ── The cases ────────────────────────────────────────────────────────────

describe('storage torture', () => {
  storageCase('(a) junk over pages in the middle of offload.db: one line saying "damaged", non-zero exit, file untouched', async () => {
    const dir = await folderWithDatabase('storage-junk')
    const db = join(dir, 'offload.db')
    const size = statSync(db).size
    const header = readFileSync(db).subarray(16, 18).readUInt16BE(0)
    const pageSize = header === 1 ? 65536 : header
    const pages = Math.floor(size / pageSize)
    expect(pages, 'the database has pages enough to damage the middle').toBeGreaterThan(20)
    const rng = createRng(7)
    const fd = openSync(db, 'r+')
    for (let page = Math.floor(pages * 0.4); page < Math.floor(pages * 0.6); page++) {
      const junk = Buffer.from(Array.from({ length: pageSize }, () => rng.int(0, 255)))
      writeSync(fd, junk, 0, pageSize, page * pageSize)
    }
    closeSync(fd)
    const before = sha256(db)
    const verdict = await startAndJudge(dir)
    if (verdict.outcome === 'serving') await stopServer(verdict.server, 5000)
    expectRefusedInOneLine(verdict, 'damaged pages', /damaged/)
    expect(sha256(db), 'offload.db byte for byte').toBe(before)
  })

  storageCase('(a) a truncated offload.db: one line saying "damaged", non-zero exit, file untouched', async () => {
    const dir = await folderWithDatabase('storage-truncated')
    const db = join(dir, 'offload.db')
    truncateSync(db, Math.floor(statSync(db).size / 2) + 100)
    const before = sha256(db)
    const verdict = await startAndJudge(dir)
    if (verdict.outcome === 'serving') await stopServer(verdict.server, 5000)
    expectRefusedInOneLine(verdict, 'truncated database', /damaged/)
    expect(sha256(db), 'offload.db byte for byte').toBe(before)
  })

  storageCase('(b) a read-only offload.db (chmod 0444, read-only bind mount): refuses in one line, or runs degraded', async (skip) => {
    const dir = await folderWithDatabase('storage-rofile')
    const db = join(dir, 'offload.db')
    chmodSync(db, 0o444)
    if (isRoot) {
      // chmod does not stop root: make the file itself read-only with a bind mount over it.
      const failed = mount(['--bind', db], db)
      if (failed) return skip(`running as root, where chmod 0444 does not stop writes, and a bind mount is not permitted: ${failed}`)
      remount('remount,bind,ro', db)
    }
    const before = sha256(db)
    const verdict = await startAndJudge(dir)
    const how = await expectRefusedOrDegraded(verdict, 'read-only database file')
    console.log(`[storage] read-only database file: ${how}`)
    expect(sha256(db)).toBe(before)
  })

  storageCase('(b) a read-only data folder (chmod 0555, read-only bind mount): refuses in one line, or runs degraded', async (skip) => {
    const dir = await folderWithDatabase('storage-rodir')
    chmodSync(dir, 0o555)
    if (isRoot) {
      const failed = mount(['--bind', dir], dir)
      if (failed) return skip(`running as root, where chmod 0555 does not stop writes, and a bind mount is not permitted: ${failed}`)
      remount('remount,bind,ro', dir)
    }
    const verdict = await startAndJudge(dir)
    const how = await expectRefusedOrDegraded(verdict, 'read-only data folder')
    console.log(`[storage] read-only data folder: ${how}`)
    if (isRoot) unmount(dir)
    chmodSync(dir, 0o755)
  })

  storageCase(
    '(c) the disk fills while running: 507 storage_full, stats say full, nothing dispatched, recovers by itself, nothing lost',
    async (skip) => {
      const mnt = tempFolder('storage-full')
      const failed = mount(['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs'], mnt)
      if (failed) return skip(`cannot mount a 3 MB tmpfs: ${failed}`)
      const dataDir = join(mnt, 'data')
      mkdirSync(dataDir)
      const marker = mark()

      const server = await startServer(dataDir, ['--concurrency', '2'])
      const call = server.call
      const created: string[] = []
      const add = async (name: string, command: string) => {
        const res = await call('POST', '/api/jobs', { kind: 'shell', name, params: { command } })
        expect(res.status, `adding ${name} before the disk is full: ${res.text}`).toBe(201)
        created.push(res.body.id)
        return res.body.id as string
      }
      // Two jobs running through the trouble (the first ends while the disk is full, the second after), and some waiting.
      const shortRun = await add('long 3', `sleep 3; echo done; : ${marker}`)
      const longRun = await add('long 8', `sleep 8; echo done; : ${marker}`)
      await waitUntil(async () => (await call('GET', '/api/stats')).body?.counts?.running === 2, 'both long jobs to run', 20_000)
      for (let i = 0; i < 5; i++) await add(`waiting ${i}`, `echo waited ${i}; : ${marker}`)

      // The disk fills up (a filler file takes every free byte), then jobs are added until the server refuses one.
      const filler = join(mnt, 'filler')
      const fd = openSync(filler, 'w')
      try {
        for (;;) writeSync(fd, Buffer.alloc(4096, 1))
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC')
      } finally {
        closeSync(fd)
      }
      let refusal: { status: number; text: string; body: any } | undefined
      let addedWhileFull = 0
      for (let i = 0; i < 50 && !refusal; i++) {
        let res
        try {
          res = await call('POST', '/api/jobs', { kind: 'shell', name: `fill ${i}`, params: { command: `echo fill ${i}; : ${marker}` } })
        } catch (error) {
          throw new Error(`Enqueue ${i} got no answer (${(error as Error).message}); server exit ${server.child.exitCode}:\n${server.output().slice(-3000)}`)
        }
        if (res.status === 201) {
          created.push(res.body.id)
          addedWhileFull++
        } else refusal = res
      }
      expect(refusal, 'the disk filled up').toBeDefined()
      expect(server.child.exitCode, `the server died as the disk filled:\n${server.output().slice(-3000)}`).toBeNull()
      expect([refusal!.status, refusal!.body?.error?.code], `the refused enqueue: ${refusal!.text.slice(0, 500)}`).toEqual([507, 'storage_full'])
      console.log(`[storage] full disk: ${addedWhileFull} job(s) still went in after the filler, then ${refusal!.status} ${refusal!.body?.error?.code}`)

      const t0 = performance.now()
      const stats = await call('GET', '/api/stats')
      const statsMs = performance.now() - t0
      expect(stats.status, stats.text).toBe(200)
      expect(statsMs, 'GET /api/stats answers promptly while full (ms)').toBeLessThan(1000)
      expect(stats.body.storage, 'stats.storage while the disk is full').toMatchObject({
        status: 'full',
        message: expect.any(String),
        since: expect.any(String),
      })
      const again = await call('POST', '/api/jobs', { kind: 'shell', params: { command: 'true' } })
      expect([again.status, again.body?.error?.code], again.text).toEqual([507, 'storage_full'])

      // While full, nothing new starts: the jobs queued stay queued (the short job ends meanwhile and frees a slot).
      const queuedAtFull = stats.body.counts.queued as number
      expect(queuedAtFull, 'jobs wait in the queue while the disk is full').toBeGreaterThan(0)
      const watchUntil = Date.now() + 5000
      while (Date.now() < watchUntil) {
        const s = await call('GET', '/api/stats')
        expect(s.status, s.text).toBe(200)
        expect(s.body.storage?.status, 'still full').toBe('full')
        expect(s.body.counts.queued, `queued jobs while full (was ${queuedAtFull}); running ${s.body.counts.running}`).toBeGreaterThanOrEqual(queuedAtFull)
        const running = await call('GET', '/api/jobs?status=running&limit=1000')
        if (running.status === 200) {
          const started = (running.body.jobs as { id: string }[]).map((j) => j.id).filter((id) => id !== shortRun && id !== longRun)
          expect(started, 'jobs dispatched while the disk is full').toEqual([])
        }
        expect(server.child.exitCode, `the server died while full:\n${server.output().slice(-3000)}`).toBeNull()
        await sleep(250)
      }

      // Room again: delete the filler and grow the disk; Offload must notice by itself.
      rmSync(filler)
      remount('remount,size=64m', mnt)
      const freedAt = Date.now()
      let health: any
      const recovered = await becomes(
        async () => {
          health = (await call('GET', '/api/stats')).body?.storage
          return health?.status === 'ok'
        },
        10_000,
        200,
      )
      expect(recovered, `stats.storage within 10 s of freeing space: ${JSON.stringify(health)}`).toBe(true)
      console.log(`[storage] recovered ${Date.now() - freedAt} ms after space was freed`)

      let last: any[] = []
      const finished = await becomes(
        async () => {
          const page = await call('GET', '/api/jobs?limit=1000')
          last = page.body?.jobs ?? []
          return created.every((id) => last.find((j) => j.id === id)?.status === 'succeeded')
        },
        60_000,
        500,
      )
      const bad = created.map((id) => last.find((j) => j.id === id) ?? { id, status: 'missing' }).filter((j) => j.status !== 'succeeded')
      expect(
        finished,
        `every job added before and during the trouble ends succeeded: ${JSON.stringify(bad.map((j) => [j.name ?? j.id, j.status, j.error]).slice(0, 10))}`,
      ).toBe(true)
      expect(server.child.exitCode, server.output().slice(-3000)).toBeNull()
      expect(stackTraceLines(server.output()), `no stack trace in the output:\n${server.output().slice(-3000)}`).toEqual([])
      expect(await stopServer(server, 10_000)).toBe(0)
      const strays = markedProcesses(marker)
      expect(strays, describeProcs(strays)).toEqual([])
    },
    180_000,
  )

  storageCase('(d) a data folder on a disk already full: one line, non-zero exit, no *.tmp left behind', async (skip) => {
    const mnt = tempFolder('storage-fullstart')
    const failed = mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], mnt)
    if (failed) return skip(`cannot mount a 1 MB tmpfs: ${failed}`)
    const dataDir = join(mnt, 'data')
    mkdirSync(dataDir)
    const fd = openSync(join(mnt, 'filler'), 'w')
    try {
      for (;;) writeSync(fd, Buffer.alloc(64 * 1024, 1))
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC')
    } finally {
      closeSync(fd)
    }
    const verdict = await startAndJudge(dataDir)
    if (verdict.outcome === 'serving') await stopServer(verdict.server, 5000)
    expectRefusedInOneLine(verdict, 'full disk at start')
    const leftovers = readdirSync(dataDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.tmp'))
    expect(leftovers, '*.tmp files left in the data folder').toEqual([])
  })

  it('no storage case failed', () => {
    expect(passed + skipped, `${cases - passed - skipped} of ${cases} storage cases failed (see above)`).toBe(cases)
  })
})
