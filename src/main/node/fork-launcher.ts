import { fork, type ChildProcess } from 'node:child_process'
import type { Launcher, LaunchOptions, WorkerProcess } from '../common/launcher'
import { sweepProcesses } from '../common/process-sweep'
import { WORKER_ENV, type EngineToWorker, type WorkerToEngine } from '../common/protocol'
import { forwardLines, lowerPriority } from '../common/worker-launch'

export interface ForkLauncherOptions {
  /** The worker entry script. */
  entry: string
  /** Node flags for the worker, e.g. a TypeScript loader when running from source. */
  execArgv?: string[]
  /** OS niceness for workers, if not the usual WORKER_NICENESS. */
  niceness?: number
}

const ignore = (): void => {}

/** The worker, its group, and whatever under it left the group (a detached child its job never handed over). */
function killAll(child: ChildProcess): void {
  if (child.pid === undefined) return
  sweepProcesses({ root: child.pid, includeRoot: true, groups: [child.pid] })
  child.kill('SIGKILL')
}

class ForkedWorker implements WorkerProcess {
  private exited = false
  private readonly child: ChildProcess

  constructor(options: ForkLauncherOptions, launch: LaunchOptions) {
    this.child = fork(options.entry, [launch.name], {
      execArgv: [...(options.execArgv ?? []), ...(launch.execArgv ?? [])],
      env: { ...process.env, ...launch.env, [WORKER_ENV.hostPid]: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Group leader, so one kill takes the worker and everything it started.
      detached: true,
    })
    lowerPriority(this.child.pid, options.niceness)
    this.child.once('exit', () => {
      this.exited = true
    })
    // A failed spawn emits 'error' and then 'exit'; the exit listener reports it.
    this.child.on('error', ignore)
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  send(message: EngineToWorker): void {
    if (this.exited || !this.child.connected) return
    // A channel closing under us is reported by the exit listener, not here.
    this.child.send(message, ignore)
  }

  onMessage(listener: (message: WorkerToEngine) => void): void {
    this.child.on('message', (message) => listener(message as WorkerToEngine))
  }

  onOutput(listener: (line: string, stream: 'stdout' | 'stderr') => void): void {
    forwardLines(this.child, listener)
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.child.once('exit', (code, signal) => listener(code, signal))
  }

  kill(): void {
    // Even after the worker exits, its group may hold grandchildren.
    killAll(this.child)
  }
}

export function createForkLauncher(options: ForkLauncherOptions): Launcher {
  return { launch: (launch) => new ForkedWorker(options, launch) }
}
