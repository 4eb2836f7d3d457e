import { SqliteBackend } from '../../src/main/engine/sqlite-backend'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/main/engine/database'
import { Engine } from '../../src/main/engine/engine'
import { createHandlers, JobCommands } from '../../src/main/engine/commands'
import { JobStore } from '../../src/main/engine/job-store'
import { createLocalApi, type LocalApi } from '../../src/main/engine/local-api'
import { StatsReporter } from '../../src/main/engine/stats-report'
import type { Launcher, WorkerProcess } from '../../src/main/common/launcher'
import type { EngineToWorker, WorkerToEngine } from '../../src/main/common/protocol'
import { loadKinds } from '../../src/main/kinds/registry'
import { ScheduleStore } from '../../src/main/engine/schedule-store'
import { Retention } from '../../src/main/engine/retention'
import { Schedules } from '../../src/main/engine/schedules'
import { WatchStore } from '../../src/main/engine/watch-store'
import { LaneStore } from '../../src/main/engine/lane-store'
import { Lanes } from '../../src/main/engine/lanes'
import { Watches } from '../../src/main/engine/watches'
import { createDocumentSearch } from '../../src/main/engine/document-search'
import { FAST, tempDir, waitFor } from '../helpers'

/**
 * A worker played by the test, to stage an interleaving a real one produces
 * only now and then: the host recalls a job just as the worker begins it.
 * Like the real one it runs its inbox in order, one job at a time; quick
 * jobs finish at once, the slow one when the first recall arrives, and the
 * job after it begins before that recall is read.
 */
function racingLauncher(slow: Set<string>) {
  const runs: string[] = []
  /** The most jobs a worker was sent in one go, with no word from it in between. */
  let burst = 0
  let sinceReply = 0
  const launcher: Launcher = {
    launch() {
      const listeners: ((m: WorkerToEngine) => void)[] = []
      const say = (message: WorkerToEngine): void =>
        void setImmediate(() => {
          sinceReply = 0
          listeners.forEach((l) => l(message))
        })
      const inbox: string[] = []
      let current: string | undefined
      const begin = (): string | undefined => {
        current = inbox.shift()
        if (current) {
          runs.push(current)
          say({ type: 'started', id: current })
        }
        return current
      }
      const runQuick = (): void => {
        while (begin() && !slow.has(current!)) {
          say({ type: 'done', id: current!, resultJson: 'null', summary: null })
          current = undefined
        }
      }
      const process: WorkerProcess = {
        pid: undefined,
        send: (message: EngineToWorker) => {
          if (message.type === 'run' || message.type === 'runs') {
            const ids = message.type === 'run' ? [message.job.id] : message.jobs.map((job) => job.id)
            sinceReply += ids.length
            burst = Math.max(burst, sinceReply)
            inbox.push(...ids)
            if (!current) runQuick()
          } else if (message.type === 'recall') {
            if (current && slow.has(current)) {
              say({ type: 'done', id: current, resultJson: 'null', summary: null })
              if (begin()) {
                say({ type: 'done', id: current, resultJson: 'null', summary: null })
                current = undefined
              }
            }
            const at = inbox.indexOf(message.id)
            if (at >= 0) {
              inbox.splice(at, 1)
              say({ type: 'recalled', id: message.id })
            }
            if (!current) setImmediate(runQuick)
          }
        },
        onMessage: (listener) => listeners.push(listener),
        onOutput: () => {},
        onExit: () => {},
        kill: () => {},
      }
      say({ type: 'ready', kinds: ['shell'], errors: [] })
      return process
    },
  }
  return { launcher, runs, burst: () => burst }
}

async function engineWith(launcher: Launcher) {
  const db = openDatabase(join(tempDir(), 'offload.db'))
  const store = new JobStore(db)
  const engine = new Engine({ store, launcher }, { ...FAST, concurrency: 1, pipelineWindowMs: 30 })
  const kinds = await loadKinds()
  const commands = new JobCommands({ store, kinds, engine }, FAST)
  const schedules = new Schedules({ store, schedules: new ScheduleStore(db), commands, engine })
  const api = createLocalApi(
    createHandlers({
      backend: new SqliteBackend({ commands, engine, dataDir: tempDir(), clock: { now: () => Date.now() }, close: () => engine.shutdown(0) }),
      commands,
      retention: new Retention({ store, clock: { now: () => Date.now() }, policy: () => engine.settings(), removed: () => undefined }),
      schedules,
      watches: new Watches({ store, watches: new WatchStore(db), commands, engine, dataDir: tempDir() }),
      lanes: new Lanes({ store, lanes: new LaneStore(db), engine, clock: { now: () => Date.now() } }),
      engine,
      kinds,
      reports: new StatsReporter({ store }),
      searchDocuments: createDocumentSearch(tempDir()),
    }),
  )
  engine.start()
  return {
    engine,
    api,
    close: async () => {
      await engine.shutdown(0)
      db.close()
    },
  }
}

async function warmUp(api: LocalApi): Promise<void> {
  for (const id of api.createJobs({ jobs: Array.from({ length: 20 }, () => ({ kind: 'shell', params: { command: 'true' } })) }).ids) {
    await waitFor(() => api.getJob({ id }).status === 'succeeded', 'a warm-up job')
  }
}

describe('pipelining, with a worker played by the test', () => {
  it('an idle worker whose jobs have been short is sent the next few with its first', async () => {
    const { launcher, burst } = racingLauncher(new Set())
    const { engine, api, close } = await engineWith(launcher)
    try {
      await warmUp(api)
      engine.pause()
      const ids = api.createJobs({ jobs: Array.from({ length: 10 }, () => ({ kind: 'shell', params: { command: 'true' } })) }).ids
      engine.resume()
      await waitFor(() => ids.every((id) => api.getJob({ id: id }).status === 'succeeded'), 'the jobs to succeed')
      expect(burst()).toBeGreaterThan(1)
    } finally {
      await close()
    }
  })
})

describe('a recall that crosses the job’s start', () => {
  it('lets the job that began go on, runs it once, and counts it once', async () => {
    const slow = new Set<string>()
    const { launcher, runs } = racingLauncher(slow)
    const { engine, api, close } = await engineWith(launcher)
    try {
      // Quick jobs first, so the worker is sent jobs ahead.
      await warmUp(api)
      engine.pause()
      const [head, ...behind] = api.createJobs({
        jobs: [
          { kind: 'shell', params: { command: 'slow' }, priority: 'urgent' },
          ...Array.from({ length: 3 }, () => ({ kind: 'shell', params: { command: 'quick' } })),
        ],
      }).ids
      slow.add(head!)
      engine.resume()
      await waitFor(() => [head!, ...behind].every((id) => api.getJob({ id: id }).status === 'succeeded'), 'every job to succeed')
      expect([head!, ...behind].map((id) => [runs.filter((r) => r === id).length > 0, api.getJob({ id: id }).attempts])).toEqual(Array(4).fill([true, 1]))
      // The job that began under the recall ran once; the others were given back and ran again, once.
      expect(runs.filter((r) => r === behind[0])).toHaveLength(1)
    } finally {
      await close()
    }
  })
})
