import type Database from 'better-sqlite3'
import { rmSync } from 'node:fs'
import { loadKinds, type KindRegistry } from '../kinds/registry'
import { createHandlers, JobCommands, type CommandOptions, type EngineHandlers } from './commands'
import { createDocumentSearch } from './document-search'
import { dataPaths, describeFolderFailure, ensureDataFolder } from './data-folder'
import { checkWritable, describeOpenFailure, openDatabase } from './database'
import type { MachineProbes } from './admission'
import { Engine, type Clock, type EngineOptions } from './engine'
import { QueueTransfer } from './export-import'
import { lockDataFolder } from './folder-lock'
import { Retention } from './retention'
import { createLocalApi, type LocalApi } from './local-api'
import { JobStore } from './job-store'
import { LaneStore } from './lane-store'
import { Lanes } from './lanes'
import { ScheduleStore } from './schedule-store'
import { Schedules } from './schedules'
import { StatsReporter } from './stats-report'
import { WatchStore } from './watch-store'
import { Watches, type WatchOptions } from './watches'
import type { Launcher } from '../common/launcher'
import { WORKER_ENV } from '../common/protocol'
import { SqliteBackend } from './sqlite-backend'

export interface Host {
  /** The queue's jobs behind the backend seam, as the BullMQ backend answers for its own. */
  backend: SqliteBackend
  /** The scheduler: dispatch, runs, pause, settings, stats, events. */
  engine: Engine
  commands: JobCommands
  /** Recurring schedules, and the timer that fires them. */
  schedules: Schedules
  /** Watched folders, each with its watcher. */
  watches: Watches
  /** Lanes: their limits and pauses. */
  lanes: Lanes
  /** Export and import of the whole queue (JSON Lines), beside the contract: they stream. */
  transfer: QueueTransfer
  kinds: KindRegistry
  /** The contract's methods, for transports that have parsed their input. */
  handlers: EngineHandlers
  /** The contract in-process, parsing like any transport. */
  api: LocalApi
  db: Database.Database
  /** The maintenance schedule that removes finished jobs past their term (hourly; runOnce for now). */
  retention: Retention
  /** Graceful stop: running jobs get `graceMs`, the rest are requeued, the database is closed. */
  close(graceMs: number): Promise<void>
}

export interface HostOptions {
  dataDir: string
  launcher: Launcher
  nativeBinding?: string
  engine?: HostTuning
  /** The time everything goes by (tests set it; timers still run on the real one). */
  clock?: Clock
  /** Free memory and load as admission reads them (tests set them; default: this machine's). */
  machine?: MachineProbes
  /** Kinds and their state from another data folder: a worker host runs its jobs from a scratch one, with the user's kinds. */
  kindsFrom?: string
}

/** Tuning for the scheduler, the commands and the watches (tests make backoff, flushes and folder looks fast). */
export type HostTuning = Partial<EngineOptions> & Partial<CommandOptions> & Partial<WatchOptions>

/**
 * Everything one data folder needs, assembled and started: the database, the
 * kinds, the engine. Used alike by the Electron main process, the headless
 * server, the tests and the benchmark. A folder or database that can't be
 * used is a DataFolderError or a DatabaseOpenError, each with a message for
 * a person; nothing is left open.
 */
export async function openHost(options: HostOptions): Promise<Host> {
  const paths = dataPaths(options.dataDir)
  const kindPaths = options.kindsFrom === undefined ? paths : dataPaths(options.kindsFrom)
  ensureDataFolder(options.dataDir)
  const unlock = lockDataFolder(options.dataDir, paths.lock)
  try {
    // Scratch folders of attempts cut off by a crash; no worker runs yet, so none is in use.
    rmSync(paths.scratch, { recursive: true, force: true })
  } catch (error) {
    unlock()
    throw describeFolderFailure(options.dataDir, error)
  }
  let db: Database.Database
  let kinds: KindRegistry
  try {
    kinds = await loadKinds(kindPaths.kinds)
    db = openDatabase(paths.database, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  } catch (error) {
    unlock()
    throw error
  }
  const clock = options.clock ?? { now: () => Date.now() }
  let engine: Engine | undefined
  let commands: JobCommands
  let reports: StatsReporter
  let retention: Retention
  let schedules: Schedules | undefined
  let watches: Watches | undefined
  let lanes: Lanes
  let transfer: QueueTransfer
  try {
    // Reading the counts and recovering the last run's jobs are the first real reads: damage shows here.
    const store = new JobStore(db)
    checkWritable(db)
    const laneStore = new LaneStore(db)
    engine = new Engine(
      {
        store,
        launcher: options.launcher,
        clock,
        lanes: laneStore.all(),
        ioKinds: kinds.describe().flatMap((kind) => (kind.bound === 'io' ? [kind.name] : [])),
        kindMemoryLimits: memoryLimitsOf(kinds),
        ...(options.machine ? { machine: options.machine } : {}),
      },
      {
        ...options.engine,
        workerEnv: {
          [WORKER_ENV.kindsDir]: kindPaths.kinds,
          [WORKER_ENV.scratchDir]: paths.scratch,
          [WORKER_ENV.stateDir]: kindPaths.state,
          ...(options.nativeBinding ? { [WORKER_ENV.sqliteBinding]: options.nativeBinding } : {}),
          ...options.engine?.workerEnv,
        },
      },
    )
    commands = new JobCommands({ store, kinds, engine, clock }, options.engine)
    reports = new StatsReporter({ store, clock })
    lanes = new Lanes({ store, lanes: laneStore, engine, clock })
    engine.start()
    const scheduleStore = new ScheduleStore(db)
    const watchStore = new WatchStore(db)
    schedules = new Schedules({ store, schedules: scheduleStore, commands, engine, clock })
    schedules.start()
    watches = new Watches(
      { store, watches: watchStore, commands, engine, clock, dataDir: options.dataDir },
      options.engine?.watchPollMs === undefined ? {} : { watchPollMs: options.engine.watchPollMs },
    )
    watches.start()
    transfer = new QueueTransfer({ store, scheduleStore, watchStore, laneStore, engine, schedules, watches, kinds, clock })
    const started = engine
    retention = new Retention({
      store,
      clock,
      policy: () => started.settings(),
      // Only counts moved: the panels and the tray hear it as a stats change.
      removed: () => started.jobsChanged([]),
    })
    retention.start()
  } catch (error) {
    // Its timers (a storage retry, say) must not outlive it.
    schedules?.stop()
    await watches?.stop()
    await engine?.shutdown(0)
    db.close()
    unlock()
    throw describeOpenFailure(paths.database, error) ?? error
  }
  let closed: Promise<void> | undefined
  const searchDocuments = createDocumentSearch(kindPaths.state, options.nativeBinding)
  const close = (graceMs: number): Promise<void> =>
    (closed ??= (schedules.stop(), Promise.all([retention.stop(), watches.stop()])).then(() =>
      engine.shutdown(graceMs).then(() => {
        db.close()
        unlock()
      }),
    ))
  const backend = new SqliteBackend({ commands, engine, dataDir: options.dataDir, clock, close })
  const handlers = createHandlers({ backend, commands, retention, schedules, watches, lanes, engine, kinds, reports, searchDocuments })
  return {
    backend,
    engine,
    commands,
    schedules,
    watches,
    lanes,
    transfer,
    kinds,
    handlers,
    api: createLocalApi(handlers),
    db,
    retention,
    close,
  }
}

function memoryLimitsOf(kinds: KindRegistry): Map<string, number> {
  const limits = new Map<string, number>()
  for (const name of kinds.names()) {
    const limit = kinds.get(name)?.kind.maxMemoryMb
    if (limit !== undefined) limits.set(name, limit)
  }
  return limits
}
