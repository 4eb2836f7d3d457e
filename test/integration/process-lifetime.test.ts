import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { dataDirWithKinds, exited, processesMatching, startHost, startServer, uniqueMarker, waitFor, waitForStatus } from '../helpers'

const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1')
  } catch {
    return ''
  }
}

/** A data folder's workers, found by what they carry in their environment (which their children inherit) and their name. */
const workersOf = (dataDir: string): number[] =>
  processesMatching(`OFFLOAD_KINDS_DIR=${dataDir}/kinds`).filter((pid) => commandLine(pid).includes('offload-worker-'))

describe('every process a job starts is gone when its attempt ends', () => {
  it('cancel stops a plain child the kind left running, and the worker is reused', async () => {
    const host = await startHost({ kinds: ['spawner.mjs', 'noop.mjs'], engine: { concurrency: 1 } })
    const marker = uniqueMarker()
    const job = host.api.createJob({ kind: 'spawner', params: { marker, how: 'child', then: 'abort' } })
    await waitFor(() => processesMatching(marker).length === 1, 'the child to start')
    await waitFor(() => host.api.getJobLogs({ id: job.id }).lines.some((l) => l.line === 'spawned'), 'the kind to say so')
    host.api.cancelJob({ id: job.id })
    await waitFor(
      () => processesMatching(marker).length === 0,
      () => `the child to be gone (alive: ${processesMatching(marker).join(' ')})`,
      5000,
    )
    const next = host.api.createJob({ kind: 'noop' })
    await waitForStatus(host, next.id, 'succeeded')
    expect(host.engine.stats().workers).toMatchObject({ busy: 0, idle: 1 })
  })

  it('a child a shell put in the background, and one in a session of its own, go when the job returns', async () => {
    const host = await startHost({ kinds: ['spawner.mjs'], engine: { concurrency: 1 } })
    for (const how of ['background', 'detached'] as const) {
      const marker = uniqueMarker()
      const job = host.api.createJob({ kind: 'spawner', params: { marker, how, then: 'none' } })
      await waitForStatus(host, job.id, 'succeeded')
      expect([how, processesMatching(marker)]).toEqual([how, []])
      expect([how, host.api.getJobLogs({ id: job.id }).lines.map((l) => l.line)]).toEqual([how, ['spawned', 'Offload stopped 1 process the job left running']])
    }
  })

  it('what a child writes to the worker’s own stdout lands in its job’s log', async () => {
    const host = await startHost({ kinds: ['spawner.mjs'], engine: { concurrency: 1 } })
    const marker = uniqueMarker()
    const job = host.api.createJob({ kind: 'spawner', params: { marker, how: 'inherit', then: 'none' } })
    await waitForStatus(host, job.id, 'succeeded')
    await waitFor(() => host.api.getJobLogs({ id: job.id }).lines.some((l) => l.line === `from the child ${marker}`), 'the child’s line in the log')
    expect(processesMatching(marker)).toEqual([])
  })
})

describe('workers die with their host', () => {
  it('even while a job blocks the worker in a synchronous loop, taking the job’s child along', async () => {
    const dataDir = dataDirWithKinds(['spawner.mjs'])
    const server = await startServer(dataDir, ['--concurrency', '1'])
    const marker = uniqueMarker()
    await server.call('POST', '/api/jobs', { kind: 'spawner', params: { marker, how: 'child', then: 'block' } })
    await waitFor(() => processesMatching(marker).length === 1 && workersOf(dataDir).length === 1, 'the job to spawn its child')
    server.child.kill('SIGKILL')
    await exited(server.child)
    await waitFor(
      () => workersOf(dataDir).length + processesMatching(marker).length === 0,
      () => `the worker and child to die (alive: ${[...workersOf(dataDir), ...processesMatching(marker)].join(' ')})`,
      5000,
    )
  })

  it('even while the worker is still starting', async () => {
    const dataDir = dataDirWithKinds([])
    const server = await startServer(dataDir, ['--concurrency', '1'])
    await server.call('POST', '/api/jobs', { kind: 'shell', params: { command: 'sleep 5' } })
    await new Promise((resolve) => setTimeout(resolve, 50))
    server.child.kill('SIGKILL')
    await exited(server.child)
    await waitFor(
      () => workersOf(dataDir).length === 0,
      () => `the worker to die (alive: ${workersOf(dataDir).join(' ')})`,
      5000,
    )
    expect(processesMatching(dataDir)).toEqual([])
  })
})
