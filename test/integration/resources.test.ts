import { describe, expect, it } from 'vitest'
import { httpApi, isAlive, startHost, tempDir, waitFor, waitForStatus } from '../helpers'
import { join } from 'node:path'
import { existsSync, readFileSync } from 'node:fs'

describe('memory limits, worker recycling and what attempts take', () => {
  it('a Node job past its maxMemoryMb fails with out_of_memory, and the next job runs on a fresh worker', async () => {
    const host = await startHost({ kinds: ['hog.mjs', 'noop.mjs'], engine: { concurrency: 1 } })
    const hog = host.api.createJob({ kind: 'hog', params: { mb: 200 }, maxMemoryMb: 64, maxAttempts: 1 })
    const failed = await waitForStatus(host, hog.id, 'failed', 60_000)
    expect(failed.error?.code).toBe('out_of_memory')
    expect(failed.error?.message).toContain('64 MB')
    expect(failed.maxMemoryMb).toBe(64)
    const next = host.api.createJob({ kind: 'noop' })
    await waitForStatus(host, next.id, 'succeeded', 30_000)
    const [hogTry] = host.api.getJobAttempts({ id: hog.id }).attempts
    const [nextTry] = host.api.getJobAttempts({ id: next.id }).attempts
    expect(hogTry!.error?.code).toBe('out_of_memory')
    expect(nextTry!.workerPid).not.toBe(hogTry!.workerPid)
  })

  it('a worker that dies of a full heap is out_of_memory, however long the native stack V8 prints after saying so', async () => {
    const host = await startHost({ kinds: ['crash.mjs'], engine: { concurrency: 1 } })
    const job = host.api.createJob({ kind: 'crash', params: { heapReport: true, signal: 'SIGABRT' }, maxMemoryMb: 512, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed', 30_000)
    expect(failed.error).toMatchObject({ code: 'out_of_memory', message: 'Used more than 512 MB (its memory limit) (its worker ran out of heap)' })
  })

  it('a shell job whose process grows past the limit fails with out_of_memory, and its processes are gone', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    const pidFile = join(tempDir(), 'pid')
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); const b = Buffer.alloc(400 * 1024 * 1024, 1); setInterval(() => b[0]++, 1000)`
    const job = host.api.createJob({ kind: 'shell', params: { command: process.execPath, args: ['-e', script] }, maxMemoryMb: 256, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed', 60_000)
    expect(failed.error).toMatchObject({ code: 'out_of_memory', message: 'Used more than 256 MB (its memory limit)' })
    const pid = Number(readFileSync(pidFile, 'utf8'))
    await waitFor(() => !isAlive(pid), 'the command to be gone', 10_000)
  })

  it('with workerMaxJobs 3, a worker is replaced after every three jobs', async () => {
    const host = await startHost({ kinds: ['noop.mjs'], engine: { concurrency: 1 } })
    host.api.updateSettings({ workerMaxJobs: 3 })
    const jobs = Array.from({ length: 7 }, () => host.api.createJob({ kind: 'noop' }))
    for (const job of jobs) await waitForStatus(host, job.id, 'succeeded', 30_000)
    const pids = jobs.map((job) => host.api.getJobAttempts({ id: job.id }).attempts[0]!.workerPid)
    expect(pids[0]).toBe(pids[1])
    expect(pids[1]).toBe(pids[2])
    expect(pids[3]).not.toBe(pids[2])
    expect(pids[3]).toBe(pids[4])
    expect(pids[4]).toBe(pids[5])
    expect(pids[6]).not.toBe(pids[5])
    expect(new Set(pids).size).toBe(3)
  })

  it('attempts record CPU time and peak memory; a running job shows live figures', async () => {
    const host = await startHost({ kinds: ['spin.mjs', 'sleep.mjs', 'noop.mjs'], engine: { concurrency: 2 } })
    const spin = host.api.createJob({ kind: 'spin', params: { rounds: 300_000 } })
    const sleeper = host.api.createJob({ kind: 'sleep', params: { ms: 60_000 } })
    const live = await waitFor(() => host.api.getJob({ id: sleeper.id }).usage, 'the sleeping job to show its usage', 30_000)
    expect(live.rssBytes).toBeGreaterThan(0)
    expect(live.peakRssBytes).toBeGreaterThan(0)
    const done = await waitForStatus(host, spin.id, 'succeeded', 60_000)
    const [attempt] = host.api.getJobAttempts({ id: spin.id }).attempts
    expect(attempt!.cpuMs).toBeGreaterThan(0)
    expect(attempt!.peakRssBytes).toBeGreaterThan(0)
    expect(done.usage).toEqual({ cpuMs: attempt!.cpuMs, peakRssBytes: attempt!.peakRssBytes, rssBytes: null, cpuPercent: null })
    host.api.cancelJob({ id: sleeper.id })
    const noop = host.api.createJob({ kind: 'noop' })
    expect(host.api.getJob({ id: noop.id }).usage).toBeNull()
  })

  it('a bad maxMemoryMb is a typed 400 over HTTP, and nothing is stored', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    const call = await httpApi(host)
    for (const maxMemoryMb of [5, 'abc', -1, 64.5]) {
      const res = await call('POST', '/api/jobs', { kind: 'noop', maxMemoryMb })
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } })
    }
    for (const workerMaxJobs of [0, 'many']) {
      expect(await call('PUT', '/api/settings', { workerMaxJobs })).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } })
    }
    expect(host.api.listJobs({}).jobs).toEqual([])
    expect(existsSync(host.dataDir)).toBe(true)
  })
})
