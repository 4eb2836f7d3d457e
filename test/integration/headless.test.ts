import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exited, isAlive, serve, startServer, tempDir, waitFor } from '../helpers'

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0)
  } catch {
    return []
  }
}

describe('headless server', () => {
  it('writes server.json (mode 0600), serves on 127.0.0.1 and cleans up on SIGTERM', async () => {
    const dataDir = tempDir()
    const { child, info, call } = await startServer(dataDir)
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(statSync(join(dataDir, 'server.json')).mode & 0o777).toBe(0o600)
    await waitFor(() => child.output().includes(`Panel: ${info.url}/?token=${info.token}`), 'the panel URL to be printed')
    expect((await call('GET', '/api/stats')).paused).toBe(false)
    child.kill('SIGTERM')
    expect(await exited(child)).toBe(0)
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false)
  })

  it('refuses a second server on the same data folder, bad arguments and a corrupt database', async () => {
    const dataDir = tempDir()
    const first = await startServer(dataDir)
    const second = serve(['--data', dataDir, '--port', '0'])
    expect(await exited(second)).toBe(1)
    expect(second.output()).toContain(`Offload is already serving this data folder (pid ${first.info.pid})`)

    const badPort = serve(['--data', tempDir(), '--port', 'eighty'])
    expect(await exited(badPort)).toBe(1)
    expect(badPort.output()).toContain('--port must be a whole number from 0 to 65535, got "eighty"')
    const unknownFlag = serve(['--data', tempDir(), '--colour'])
    expect(await exited(unknownFlag)).toBe(1)
    expect(unknownFlag.output()).toContain("Unknown option '--colour'")

    const corrupt = tempDir()
    writeFileSync(join(corrupt, 'offload.db'), 'garbage '.repeat(1000))
    const broken = serve(['--data', corrupt, '--port', '0'])
    expect(await exited(broken)).toBe(1)
    expect(broken.output()).toContain('is damaged or is not an Offload database')
    expect(readFileSync(join(corrupt, 'offload.db'), 'utf8')).toBe('garbage '.repeat(1000))
  })

  it('survives kill -9 mid-run: every job ends succeeded, duplicates only for jobs in flight', async () => {
    const dataDir = tempDir()
    const outDir = tempDir()
    const total = 40
    let server = await startServer(dataDir, ['--concurrency', '2'])
    const jobs = Array.from({ length: total }, (_, i) => ({
      kind: 'shell',
      name: `job-${i}`,
      params: { command: `sleep 0.1; echo ran >> ${join(outDir, `job-${i}`)}` },
    }))
    const { ids } = (await server.call('POST', '/api/jobs/batch', { jobs })) as unknown as { ids: string[] }
    const inFlight = new Set<string>()

    for (const killAfter of [6, 20]) {
      await waitFor(() => {
        const db = new Database(join(dataDir, 'offload.db'), { readonly: true })
        const done = (db.prepare(`SELECT count(*) AS n FROM jobs WHERE status = 'succeeded'`).get() as { n: number }).n
        db.close()
        return done >= killAfter
      }, `${killAfter} jobs to succeed`)
      const workers = childPids(server.info.pid)
      expect(workers.length).toBeGreaterThan(0)
      server.child.kill('SIGKILL')
      await exited(server.child)
      const db = new Database(join(dataDir, 'offload.db'), { readonly: true })
      for (const { id } of db.prepare(`SELECT id FROM jobs WHERE status = 'running'`).all() as { id: string }[]) inFlight.add(id)
      db.close()
      // Orphans: each worker notices its host is gone and exits, taking its shell with it.
      await waitFor(() => workers.every((pid) => !isAlive(pid)), 'workers of the killed host to exit', 10_000)
      server = await startServer(dataDir, ['--concurrency', '2'])
    }

    const final = await waitFor(
      () => {
        const db = new Database(join(dataDir, 'offload.db'), { readonly: true })
        const rows = db.prepare(`SELECT id, name, status, attempts FROM jobs`).all() as { id: string; name: string; status: string; attempts: number }[]
        db.close()
        return rows.every((r) => r.status === 'succeeded') && rows
      },
      'every job to succeed',
      60_000,
    )
    expect(final).toHaveLength(total)
    expect(inFlight.size).toBeGreaterThan(0)
    for (const row of final) {
      const file = join(outDir, row.name)
      expect([row.name, existsSync(file)]).toEqual([row.name, true])
      const runs = readFileSync(file, 'utf8').trim().split('\n').length
      if (!inFlight.has(row.id)) expect([row.name, runs, row.attempts]).toEqual([row.name, 1, 1])
      else expect(runs).toBeLessThanOrEqual(2)
    }
    expect(new Set(final.map((r) => r.id))).toEqual(new Set(ids))
    server.child.kill('SIGTERM')
    expect(await exited(server.child)).toBe(0)
  })
})
