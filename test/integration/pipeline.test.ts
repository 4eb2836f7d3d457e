import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Host } from '../../src/main/engine/host'
import { dataDirWithKinds, startHost, tempDir, waitFor, waitForStatus } from '../helpers'

/** Runs enough quick jobs on one worker that it starts taking jobs ahead. */
async function warmUp(host: Host): Promise<void> {
  const ids = host.api.createJobs({ jobs: Array.from({ length: 40 }, () => ({ kind: 'sleep', params: { ms: 0 } })) }).ids
  await Promise.all(ids.map((id) => waitForStatus(host, id, 'succeeded')))
}

describe('pipelining short jobs', () => {
  it('recalls jobs waiting behind a head that turns out slow, so they are not shown running', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 1, pipelineWindowMs: 50 } })
    await warmUp(host)
    let peak = 0
    host.engine.subscribe(() => (peak = Math.max(peak, host.engine.stats().counts.running)))
    host.engine.pause()
    const slow = host.api.createJob({ kind: 'sleep', params: { ms: 1500 }, priority: 'urgent' })
    const quick = host.api.createJobs({ jobs: Array.from({ length: 5 }, () => ({ kind: 'sleep', params: { ms: 0 } })) }).ids
    const dueAt = quick.map((id) => host.api.getJob({ id }).runAfter)
    host.engine.resume()
    await waitFor(() => peak > 1, 'quick jobs to be sent ahead behind the slow one')
    await waitFor(() => host.engine.stats().counts.running === 1, 'the waiting jobs to be recalled', 1200)
    expect(quick.map((id) => host.api.getJob({ id: id }).status)).toEqual(Array(5).fill('queued'))
    // Handed back, they keep their place in line: the same due time, and they still run in the order they came.
    expect(quick.map((id) => host.api.getJob({ id }).runAfter)).toEqual(dueAt)
    expect(host.api.getJob({ id: slow.id }).status).toBe('running')
    const done = []
    for (const id of quick) done.push(await waitForStatus(host, id, 'succeeded'))
    expect(done.map((job) => job.attempts)).toEqual(Array(5).fill(1))
    expect([...done].sort((a, b) => a.startedAt!.localeCompare(b.startedAt!) || a.id.localeCompare(b.id)).map((job) => job.id)).toEqual(quick)
  })

  it('cancelling a job that waits behind a busy head takes it out without killing the worker', async () => {
    const dataDir = dataDirWithKinds(['sleep.mjs'])
    writeFileSync(
      join(dataDir, 'kinds', 'block.mjs'),
      "export default { name: 'block', run() { const t = Date.now(); while (Date.now() - t < 1500); return 'done' } }",
    )
    const host = await startHost({ dataDir, engine: { concurrency: 1, pipelineWindowMs: 5000, killGraceMs: 300 } })
    await warmUp(host)
    host.engine.pause()
    const head = host.api.createJob({ kind: 'block', priority: 'urgent' })
    const [waiting] = host.api.createJobs({ jobs: [{ kind: 'sleep', params: { ms: 0 } }] }).ids
    host.engine.resume()
    await waitFor(() => host.api.getJob({ id: waiting! }).status === 'running', 'the quick job to be sent ahead')
    host.api.cancelJob({ id: waiting! })
    const done = await waitForStatus(host, head.id, ['succeeded', 'failed'])
    expect([done.status, done.attempts]).toEqual(['succeeded', 1])
    expect(host.api.getJob({ id: waiting! }).status).toBe('cancelled')
  })

  it('jobs sent ahead to a worker stuck on a slow job move to a free one', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 2, pipelineWindowMs: 50 } })
    await warmUp(host)
    host.engine.pause()
    const slow = host.api.createJob({ kind: 'sleep', params: { ms: 3000 }, priority: 'urgent' })
    const quick = host.api.createJobs({ jobs: Array.from({ length: 300 }, () => ({ kind: 'sleep', params: { ms: 0 } })) }).ids
    host.engine.resume()
    await Promise.all(quick.map((id) => waitForStatus(host, id, 'succeeded')))
    expect(host.api.getJob({ id: slow.id }).status).toBe('running')
  })

  it('a job cancelled while waiting in a worker never runs', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 1, pipelineWindowMs: 5000 } })
    await warmUp(host)
    const file = join(tempDir(), 'ran')
    host.engine.pause()
    const head = host.api.createJob({ kind: 'sleep', params: { ms: 400 }, priority: 'urgent' })
    const waiting = host.api.createJob({ kind: 'sleep', params: { ms: 0, file } })
    host.engine.resume()
    await waitForStatus(host, waiting.id, 'running')
    expect(host.api.getJob({ id: head.id }).status).toBe('running')
    host.api.cancelJob({ id: waiting.id })
    await waitForStatus(host, head.id, 'succeeded')
    await waitFor(() => host.engine.stats().workers.busy === 0, 'the worker to be free')
    expect(existsSync(file)).toBe(false)
    expect(host.api.getJob({ id: waiting.id }).status).toBe('cancelled')
  })

  it('jobs waiting in a worker that dies go back to the queue without counting an attempt', async () => {
    const host = await startHost({ kinds: ['sleep.mjs', 'crash.mjs'], engine: { concurrency: 1, pipelineWindowMs: 5000 } })
    await warmUp(host)
    const file = join(tempDir(), 'ran')
    host.engine.pause()
    const crash = host.api.createJob({ kind: 'crash', params: { afterMs: 300 }, priority: 'urgent', maxAttempts: 1 })
    const waiting = host.api.createJobs({ jobs: Array.from({ length: 5 }, (_, i) => ({ kind: 'sleep', params: { ms: 0, file, mark: `job ${i}` } })) }).ids
    host.engine.resume()
    await waitFor(() => waiting.every((id) => host.api.getJob({ id: id }).status === 'running'), 'jobs to wait behind the crashing one')
    expect((await waitForStatus(host, crash.id, 'failed')).error?.code).toBe('worker_crashed')
    for (const id of waiting) expect((await waitForStatus(host, id, 'succeeded')).attempts).toBe(1)
    expect(readFileSync(file, 'utf8').trim().split('\n').sort()).toEqual(['job 0', 'job 1', 'job 2', 'job 3', 'job 4'])
  })
})
