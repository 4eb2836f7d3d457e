import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { WatchdogData } from './host-watchdog-thread'

const CHECK_INTERVAL_MS = 200

export interface HostWatchdog {
  /** Process groups the current job handed over; they go too if the host dies. */
  groupsChanged(groups: Iterable<number>): void
  /** Settles once the thread runs (or could not start): whatever it took to load it (tsx's esbuild, from source) is running by then. */
  ready: Promise<void>
}

const READY_WAIT_MS = 5000

/**
 * The thread's script: built beside this bundle, or, when the worker runs
 * from source under tsx, the TypeScript file loaded through tsx's loader
 * (a worker thread does not inherit it).
 */
function threadSource(): { code: string; eval: boolean } {
  const here = dirname(fileURLToPath(import.meta.url))
  if (!import.meta.url.endsWith('.ts')) return { code: join(here, 'watchdog.js'), eval: false }
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'))
  const file = JSON.stringify(new URL('./host-watchdog-thread.ts', import.meta.url).href)
  return { code: `import(${tsx}).then((tsx) => { tsx.register(); return import(${file}) })`, eval: true }
}

/** Starts the watchdog thread that ends this worker, and what it started, when the host is gone. */
export function startHostWatchdog(hostPid: number): HostWatchdog {
  const { code, eval: isEval } = threadSource()
  const data: WatchdogData = { hostPid, intervalMs: CHECK_INTERVAL_MS }
  const thread = new Worker(code, { eval: isEval, workerData: data })
  // It must never keep the worker alive, nor take it down by failing.
  thread.unref()
  thread.on('error', (error) => process.stderr.write(`offload worker: host watchdog failed: ${error.message}\n`))
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, READY_WAIT_MS).unref()
    const done = (): void => {
      clearTimeout(timer)
      resolve()
    }
    thread.once('message', done)
    thread.once('error', done)
    thread.once('exit', done)
  })
  return { groupsChanged: (groups) => thread.postMessage({ groups: [...groups] }), ready }
}
