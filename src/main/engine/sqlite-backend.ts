import { hostname } from 'node:os'
import type { OffloadEvent } from '../../shared/api'
import type { BackendInfo } from '../../shared/backend'
import type { BulkResult, BulkTarget, Job, JobPage, LogLine, ParsedListJobsQuery, ParsedNewJob, Priority, Stats } from '../../shared/job'
import type { Backend } from '../backends/backend'
import { SQLITE_CAPABILITIES } from '../backends/capabilities'
import type { JobCommands } from './commands'
import type { Clock, Engine } from './engine'

export interface SqliteBackendDeps {
  commands: JobCommands
  engine: Engine
  dataDir: string
  clock: Clock
  /** The host's own close: the backend goes with the data folder it lives in. */
  close: (graceMs: number) => Promise<void>
}

/**
 * The embedded engine as a backend: SQLite in the data folder and this
 * machine's worker pool, every feature, answering at once.
 */
export class SqliteBackend implements Backend<'now'> {
  readonly name = 'sqlite'
  readonly capabilities = SQLITE_CAPABILITIES

  constructor(private readonly deps: SqliteBackendDeps) {}

  describe(): BackendInfo {
    return localBackend(this.deps.dataDir, this.deps.engine, this.deps.clock.now())
  }

  add(input: ParsedNewJob): Job {
    return this.deps.commands.createJob(input)
  }

  addMany(inputs: readonly ParsedNewJob[]): string[] {
    return this.deps.commands.createJobs(inputs)
  }

  get(id: string): Job {
    return this.deps.commands.getJob(id)
  }

  list(query: ParsedListJobsQuery): JobPage {
    return this.deps.commands.listJobs(query)
  }

  logs(id: string): LogLine[] {
    return this.deps.commands.getJobLogs(id)
  }

  stats(): Stats {
    return this.deps.engine.stats()
  }

  cancel(id: string): Job {
    return this.deps.commands.cancelJob(id)
  }

  retry(id: string): Job {
    return this.deps.commands.retryJob(id)
  }

  cancelMany(target: BulkTarget): Promise<BulkResult> {
    return this.deps.commands.cancelJobs(target)
  }

  retryMany(target: BulkTarget): Promise<BulkResult> {
    return this.deps.commands.retryJobs(target)
  }

  removeMany(target: BulkTarget): Promise<BulkResult> {
    return this.deps.commands.removeJobs(target)
  }

  prioritize(target: BulkTarget, priority: Priority): Promise<BulkResult> {
    return this.deps.commands.setPriority(target, priority)
  }

  setPaused(paused: boolean): void {
    if (paused) this.deps.engine.pause()
    else this.deps.engine.resume()
  }

  subscribe(listener: (event: OffloadEvent) => void): () => void {
    return this.deps.engine.subscribe(listener)
  }

  close(graceMs = 0): Promise<void> {
    return this.deps.close(graceMs)
  }
}

/** The embedded engine: this data folder, every feature, and this machine as its one worker. */
export function localBackend(dataDir: string, engine: Engine, now: number): BackendInfo {
  const { workers, counts } = engine.stats()
  return {
    name: 'sqlite',
    location: dataDir,
    capabilities: SQLITE_CAPABILITIES,
    workers: [
      { id: 'local', machine: hostname(), pid: process.pid, lanes: [], concurrency: workers.max, running: counts.running, seenAt: new Date(now).toISOString() },
    ],
  }
}
