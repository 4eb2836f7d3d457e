import type { EngineToWorker, WorkerToEngine } from './protocol'

export interface LaunchOptions {
  /** Shown in process lists and used in log lines, e.g. "offload-worker-3". */
  name: string
  env: Record<string, string>
  /** Runtime flags for this worker on top of the launcher's own, e.g. a V8 heap limit. */
  execArgv?: string[] | undefined
}

/**
 * One worker process, whatever started it. `exit` fires exactly once, after
 * which `send` and `kill` do nothing.
 */
export interface WorkerProcess {
  readonly pid: number | undefined
  send(message: EngineToWorker): void
  onMessage(listener: (message: WorkerToEngine) => void): void
  /** Lines the process wrote to stdout or stderr. */
  onOutput(listener: (line: string, stream: 'stdout' | 'stderr') => void): void
  onExit(listener: (code: number | null, signal: string | null) => void): void
  /** Kills the process and every process in its group, at once. */
  kill(): void
}

/**
 * Starts worker processes: child_process.fork under Node (headless server,
 * tests, benchmarks), utilityProcess.fork under Electron.
 */
export interface Launcher {
  launch(options: LaunchOptions): WorkerProcess
}
