import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dataDirWithKinds, exited, startHost, startServer, tempDir, waitFor, waitForStatus } from '../helpers'

type Attempt = { attempt: number; outcome: string; error: { code: string } | null; startedAt: string; finishedAt: string | null }

describe('a job’s tries, as data', () => {
  it('a job that failed twice and then succeeded has three tries, in order, with their outcomes', async () => {
    const host = await startHost({ kinds: ['tries.mjs'] })
    const counter = join(tempDir(), 'tries')
    const job = host.api.createJob({ kind: 'tries', params: { counter, plan: ['fail', 'fail', 'ok'] }, maxAttempts: 3 })
    await waitForStatus(host, job.id, 'succeeded')
    const { attempts } = host.api.getJobAttempts({ id: job.id })
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error?.code ?? null])).toEqual([
      [1, 'failed', 'job_error'],
      [2, 'failed', 'job_error'],
      [3, 'succeeded', null],
    ])
    expect(attempts.every((a) => a.finishedAt !== null && a.startedAt <= a.finishedAt && a.workerPid! > 0)).toBe(true)
    expect(() => host.api.getJobAttempts({ id: '01J00000000000000000000000' })).toThrow(expect.objectContaining({ code: 'not_found' }))
  })

  it('a try cut off by kill -9 of the host is recorded as interrupted, over HTTP too', async () => {
    const dataDir = dataDirWithKinds(['tries.mjs'])
    const counter = join(tempDir(), 'tries')
    let server = await startServer(dataDir, ['--concurrency', '1'])
    const job = (await server.call('POST', '/api/jobs', { kind: 'tries', params: { counter, plan: ['fail', 'hang', 'ok'] }, maxAttempts: 3 })) as unknown as {
      id: string
    }
    await waitFor(() => existsSync(counter) && readFileSync(counter, 'utf8') === '2', 'the second try to begin', 30_000)
    // Its start is written within a turn of the worker saying so.
    await new Promise((resolve) => setTimeout(resolve, 300))
    server.child.kill('SIGKILL')
    await exited(server.child)
    server = await startServer(dataDir, ['--concurrency', '1'])
    const attempts = await waitFor(
      async () => {
        const body = (await server.call('GET', `/api/jobs/${job.id}/attempts`)) as unknown as { attempts: Attempt[] }
        return body.attempts.length === 3 && body.attempts[2]!.outcome === 'succeeded' && body.attempts
      },
      'three tries, the last one done',
      30_000,
    )
    expect(attempts.map((a) => [a.attempt, a.outcome, a.error?.code ?? null])).toEqual([
      [1, 'failed', 'job_error'],
      [2, 'interrupted', 'interrupted'],
      [3, 'succeeded', null],
    ])
    server.child.kill('SIGTERM')
    await exited(server.child)
  })
})
