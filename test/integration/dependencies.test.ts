import Database from 'better-sqlite3'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Job, NewJob } from '../../src/shared/job'
import { dataDirWithKinds, exited, httpApi, startHost, startServer, tempDir, waitFor, waitForStatus } from '../helpers'

type TestHost = Awaited<ReturnType<typeof startHost>>

/** Edges whose child began a try before its parent had succeeded: must be none. */
function startsBeforeParents(host: Pick<TestHost, 'db'>): number {
  return (
    host.db
      .prepare(
        `SELECT count(*) AS n FROM job_deps d JOIN job_attempts a ON a.job_id = d.job_id JOIN jobs p ON p.id = d.parent_id
         WHERE p.status <> 'succeeded' OR a.started_at < p.finished_at`,
      )
      .get() as { n: number }
  ).n
}

const statusOf = (host: TestHost, id: string): Job['status'] => host.api.getJob({ id }).status

describe('dependencies', () => {
  it('a graph sent in one batch runs each job only after all it depends on succeeded', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 2 } })
    const { ids } = host.api.createJobs({
      jobs: [
        { kind: 'sleep', name: 'extract', params: { ms: 150 } },
        { kind: 'sleep', name: 'index', params: { ms: 100 }, after: ['#0'] },
        { kind: 'sleep', name: 'thumbs', params: { ms: 100 }, after: ['#0'] },
        { kind: 'sleep', name: 'notify', params: { ms: 0 }, after: ['#1', '#2'] },
      ],
    })
    const notify = host.api.getJob({ id: ids[3]! })
    expect(notify).toMatchObject({ status: 'waiting', dependsOn: 2, waitingOn: 2 })
    await waitForStatus(host, ids[3]!, 'succeeded')
    expect(startsBeforeParents(host)).toBe(0)
    const { parents, children } = host.api.getJobDependencies({ id: ids[0]! })
    expect([parents, children.map((j) => j.name).sort()]).toEqual([[], ['index', 'thumbs']])
    expect(
      host.api
        .getJobDependencies({ id: ids[3]! })
        .parents.map((j) => j.name)
        .sort(),
    ).toEqual(['index', 'thumbs'])
  })

  it('a layered graph of 10,000 jobs in batches: none starts before its parents, and all succeed', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    host.engine.pause()
    const layers = 5
    const width = 2000
    let previous: string[] = []
    let seed = 7
    const random = (n: number): number => (seed = (seed * 48271) % 2147483647) % n
    for (let layer = 0; layer < layers; layer++) {
      // Each job depends on up to three of the layer before (ids from the last batch) or of its own batch ("#n").
      const jobs: NewJob[] = Array.from({ length: width }, (_, i) => {
        const after = new Set<string>()
        for (let k = random(4); k > 0; k--) {
          if (i > 0 && random(2) === 0) after.add(`#${random(i)}`)
          else if (previous.length > 0) after.add(previous[random(previous.length)]!)
        }
        return { kind: 'noop', name: `L${layer}-${i}`, ...(after.size > 0 ? { after: [...after] } : {}) }
      })
      previous = host.api.createJobs({ jobs }).ids
    }
    const edges = (host.db.prepare('SELECT count(*) AS n FROM job_deps').get() as { n: number }).n
    expect(edges).toBeGreaterThan(10_000)
    host.engine.resume()
    await waitFor(
      () => host.engine.stats().counts.succeeded === layers * width,
      () => JSON.stringify(host.engine.stats().counts),
      120_000,
    )
    expect(startsBeforeParents(host)).toBe(0)
  })

  it('a parent that fails: "fail" children fail with dependency_failed, and theirs; "hold" waits; "run" runs; a retry re-arms them', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const marker = `${tempDir()}/second-time`
    const { ids } = host.api.createJobs({
      jobs: [
        // Fails the first time, succeeds once retried.
        { kind: 'shell', name: 'parent', maxAttempts: 1, params: { command: `[ -e ${marker} ] || { touch ${marker}; exit 1; }` } },
        { kind: 'sleep', name: 'fails too', params: { ms: 0 }, after: ['#0'] },
        { kind: 'sleep', name: 'grandchild', params: { ms: 0 }, after: ['#1'] },
        { kind: 'sleep', name: 'holds', params: { ms: 0 }, after: ['#0'], onDependencyFailure: 'hold' },
        { kind: 'sleep', name: 'runs anyway', params: { ms: 0 }, after: ['#0'], onDependencyFailure: 'run' },
      ],
    })
    const [parent, child, grandchild, holds, runs] = ids as [string, string, string, string, string]
    await waitForStatus(host, parent, 'failed')
    await waitForStatus(host, runs, 'succeeded')
    for (const id of [child, grandchild]) {
      expect(host.api.getJob({ id }).error).toMatchObject({ code: 'dependency_failed', message: expect.stringContaining('a job it depends on') })
      expect(statusOf(host, id)).toBe('failed')
    }
    expect(host.api.getJob({ id: child }).error!.message).toBe('“parent”, a job it depends on, failed')
    expect(statusOf(host, holds)).toBe('waiting')
    host.api.retryJob({ id: parent })
    expect(statusOf(host, child)).toBe('waiting')
    expect(statusOf(host, grandchild)).toBe('waiting')
    for (const id of [parent, child, grandchild, holds]) await waitForStatus(host, id, 'succeeded')
    expect(host.api.getJob({ id: runs }).attempts).toBe(1)
  })

  it('a cancelled or removed parent ends its "fail" children; a parent already done decides at once', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const held = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, hold: true })
    const child = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, after: [held.id] })
    host.api.cancelJob({ id: held.id })
    expect(host.api.getJob({ id: child.id })).toMatchObject({ status: 'failed', error: { code: 'dependency_failed' } })
    const stash = host.api.createJob({ kind: 'sleep', name: 'stash', params: { ms: 0 }, hold: true })
    const orphan = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, after: [stash.id] })
    await host.api.removeJobs({ ids: [stash.id] })
    expect(host.api.getJob({ id: orphan.id }).error).toMatchObject({ code: 'dependency_failed', message: '“stash”, a job it depends on, was removed' })
    const late = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, after: [held.id] })
    expect(late).toMatchObject({ status: 'failed', error: { code: 'dependency_failed', message: expect.stringContaining('had already cancelled') } })
    const done = host.api.createJob({ kind: 'sleep', params: { ms: 0 } })
    await waitForStatus(host, done.id, 'succeeded')
    const after = host.api.createJob({ kind: 'sleep', params: { ms: 0 }, after: [done.id] })
    expect(after).toMatchObject({ dependsOn: 1, waitingOn: 0 })
    await waitForStatus(host, after.id, 'succeeded')
  })

  it('a cycle, an unknown id, a reference out of the batch: typed 400s, nothing stored', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const api = await httpApi(host)
    const job = (after: string[]) => ({ kind: 'sleep', params: { ms: 0 }, after })
    const refused = async (path: string, body: unknown, says: string) => {
      const res = await api('POST', path, body)
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      expect(res.body.error.code).toBe('invalid_input')
      expect(res.body.error.message).toContain(says)
    }
    await refused('/api/jobs/batch', { jobs: [job(['#1']), job(['#2']), job(['#0'])] }, 'A cycle')
    await refused('/api/jobs/batch', { jobs: [job(['#0'])] }, 'A cycle')
    await refused('/api/jobs/batch', { jobs: [job([]), job(['#7'])] }, 'jobs.1.after.0: The batch has no job 7')
    await refused('/api/jobs/batch', { jobs: [job([]), job(['01JZZZZZZZZZZZZZZZZZZZZZZZ'])] }, 'No job with id 01JZZZZZZZZZZZZZZZZZZZZZZZ')
    await refused('/api/jobs', job(['01JZZZZZZZZZZZZZZZZZZZZZZZ']), 'after.0: No job with id')
    await refused('/api/jobs', job(['#0']), 'send the jobs together')
    await refused('/api/jobs', job(['not an id']), 'A job’s id')
    await refused('/api/jobs', job(Array.from({ length: 1001 }, () => '01JZZZZZZZZZZZZZZZZZZZZZZZ')), 'after')
    await refused('/api/jobs', { ...job([]), onDependencyFailure: 'maybe' }, 'onDependencyFailure')
    expect(host.api.listJobs({ limit: 10 }).jobs).toEqual([])
    expect((host.db.prepare('SELECT count(*) AS n FROM job_deps').get() as { n: number }).n).toBe(0)
  })

  it('killed -9 at random moments during a graph: after each restart every job ends as it would have, none before its parents', async () => {
    const dataDir = dataDirWithKinds(['sleep.mjs'])
    let server = await startServer(dataDir, ['--concurrency', '2'])
    // Four layers of 40, each job after two of the layer before; the last layer also after a job that fails.
    const jobs: NewJob[] = [{ kind: 'shell', name: 'fails', maxAttempts: 1, params: { command: 'exit 3' } }]
    for (let layer = 0; layer < 4; layer++)
      for (let i = 0; i < 40; i++) {
        const before = layer === 0 ? [] : [`#${1 + (layer - 1) * 40 + i}`, `#${1 + (layer - 1) * 40 + ((i + 7) % 40)}`]
        jobs.push({ kind: 'sleep', name: `L${layer}-${i}`, params: { ms: 30 }, after: layer === 3 && i % 4 === 0 ? [...before, '#0'] : before })
      }
    const { ids } = (await server.call('POST', '/api/jobs/batch', { jobs })) as unknown as { ids: string[] }
    expect(ids).toHaveLength(161)
    let seed = 11
    for (let kill = 0; kill < 3; kill++) {
      seed = (seed * 48271) % 2147483647
      await new Promise((resolve) => setTimeout(resolve, 300 + (seed % 700)))
      server.child.kill('SIGKILL')
      await exited(server.child)
      server = await startServer(dataDir, ['--concurrency', '2'])
    }
    const counts = async () => ((await server.call('GET', '/api/stats')) as unknown as { counts: Record<string, number> }).counts
    let last: Record<string, number> = {}
    await waitFor(
      async () => {
        last = await counts()
        return last.succeeded! + last.failed! === 161 && last
      },
      () => `every job to end (the counts are ${JSON.stringify(last)})`,
      60_000,
    )
    expect(await counts()).toMatchObject({ succeeded: 150, failed: 11, waiting: 0, queued: 0, running: 0 })
    server.child.kill('SIGKILL')
    await exited(server.child)
    const db = new Database(join(dataDir, 'offload.db'), { readonly: true })
    expect(startsBeforeParents({ db })).toBe(0)
    const failed = db.prepare(`SELECT name, error_code AS code FROM jobs WHERE status = 'failed' ORDER BY name`).all() as { name: string; code: string }[]
    expect(failed).toEqual([
      { name: 'L3-0', code: 'dependency_failed' },
      { name: 'L3-12', code: 'dependency_failed' },
      { name: 'L3-16', code: 'dependency_failed' },
      { name: 'L3-20', code: 'dependency_failed' },
      { name: 'L3-24', code: 'dependency_failed' },
      { name: 'L3-28', code: 'dependency_failed' },
      { name: 'L3-32', code: 'dependency_failed' },
      { name: 'L3-36', code: 'dependency_failed' },
      { name: 'L3-4', code: 'dependency_failed' },
      { name: 'L3-8', code: 'dependency_failed' },
      { name: 'fails', code: 'exit_code' },
    ])
    db.close()
    // Four server starts and 161 jobs: its own wait allows 60 s, which the default 30 s cut short on a loaded CI machine.
  }, 90_000)
})
