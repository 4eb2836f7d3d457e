import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import type { Launcher, WorkerProcess } from '../../src/main/common/launcher'
import { WORKER_ENV, type WorkerToEngine } from '../../src/main/common/protocol'
import { dataDirWithKinds, isAlive, waitFor, WORKER } from '../helpers'

vi.mock('electron', () => import('../fakes/electron'))
const { createUtilityLauncher } = await import('../../src/main/electron/utility-launcher')

interface Observed {
  worker: WorkerProcess
  messages: WorkerToEngine[]
  output: string[]
  exits: [number | null, string | null][]
}

let serial = 0

function observe(launcher: Launcher): Observed {
  const dataDir = dataDirWithKinds(['add.js', 'crash.mjs', 'sleep.mjs'])
  // Names are unique, as the pool makes them: utilityProcess matches crash reports to workers by name.
  const worker = launcher.launch({
    name: `offload-worker-${++serial}`,
    env: { [WORKER_ENV.kindsDir]: join(dataDir, 'kinds'), [WORKER_ENV.scratchDir]: join(dataDir, 'scratch') },
  })
  const observed: Observed = { worker, messages: [], output: [], exits: [] }
  worker.onMessage((m) => observed.messages.push(m))
  worker.onOutput((line) => observed.output.push(line))
  worker.onExit((code, signal) => observed.exits.push([code, signal]))
  return observed
}

const ready = (o: Observed) => waitFor(() => o.messages.find((m) => m.type === 'ready'), 'the worker to be ready')
const run = (o: Observed, id: string, kind: string, params: unknown) => o.worker.send({ type: 'run', job: { id, attempt: 1, kind, params } })

/** What the engine relies on from any launcher; run against both. */
function launcherContract(name: string, make: () => Launcher): void {
  describe(`${name} launcher`, () => {
    it('starts a worker that loads the kinds and says so', async () => {
      const o = observe(make())
      const message = await ready(o)
      expect(message).toMatchObject({ type: 'ready', kinds: expect.arrayContaining(['add', 'crash', 'sleep', 'shell', 'hash-files']) })
      expect(o.worker.pid).toEqual(expect.any(Number))
      o.worker.kill()
    })

    it('carries a job there and its result back', async () => {
      const o = observe(make())
      await ready(o)
      run(o, 'job-1', 'add', { a: 2, b: 3 })
      const done = await waitFor(() => o.messages.find((m) => m.type === 'done'), 'the result')
      expect(done).toEqual({
        type: 'done',
        id: 'job-1',
        resultJson: '{"sum":5}',
        summary: null,
        usage: { cpuMs: expect.any(Number), rssBytes: expect.any(Number) },
      })
      o.worker.kill()
    })

    it('runs the jobs of one runs message in their order, as if each had come alone', async () => {
      const o = observe(make())
      await ready(o)
      const jobs = [1, 2, 3].map((n) => ({ id: `batch-${n}`, attempt: 1, kind: 'add', params: { a: n, b: n } }))
      o.worker.send({ type: 'runs', jobs })
      await waitFor(() => o.messages.filter((m) => m.type === 'done').length === 3, 'three results')
      const order = o.messages.flatMap((m) => (m.type === 'started' || m.type === 'done' ? [`${m.type} ${m.id}`] : []))
      expect(order).toEqual(['started batch-1', 'done batch-1', 'started batch-2', 'done batch-2', 'started batch-3', 'done batch-3'])
      expect(o.messages.flatMap((m) => (m.type === 'done' ? [m.resultJson] : []))).toEqual(['{"sum":2}', '{"sum":4}', '{"sum":6}'])
      o.worker.kill()
    })

    it('passes on what the worker prints, and its exit code, once', async () => {
      const o = observe(make())
      await ready(o)
      run(o, 'job-2', 'crash', { exitCode: 7 })
      await waitFor(() => o.exits.length > 0, 'the worker to exit')
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(o.exits).toEqual([[7, null]])
      expect(o.output).toContain('crash kind: going down')
    })

    it('kill stops the worker and is reported as its exit', async () => {
      const o = observe(make())
      await ready(o)
      run(o, 'job-3', 'sleep', { ms: 60_000 })
      const pid = o.worker.pid!
      o.worker.kill()
      await waitFor(() => o.exits.length === 1, 'the exit to be reported')
      await waitFor(() => !isAlive(pid), 'the process to be gone')
      o.worker.kill()
      o.worker.send({ type: 'exit' })
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(o.exits).toHaveLength(1)
    })
  })
}

launcherContract('child_process.fork', () => createForkLauncher(WORKER))
launcherContract('utilityProcess', () => createUtilityLauncher(WORKER.entry))
