import type Database from 'better-sqlite3'
import { rmSync } from 'node:fs'
import type { ApiHandlers } from '../../shared/api'
import { loadKinds, type KindRegistry } from '../kinds/registry'
import { createApiHandlers } from './api-handlers'
import { dataPaths, describeFolderFailure, ensureDataFolder } from './data-folder'
import { describeOpenFailure, openDatabase } from './database'
import { Engine, type EngineOptions } from './engine'
import { JobStore } from './job-store'
import type { Launcher } from '../common/launcher'
import { WORKER_ENV } from '../common/protocol'

export interface Host {
  engine: Engine
  kinds: KindRegistry
  handlers: ApiHandlers
  db: Database.Database
  /** Graceful stop: running jobs get `graceMs`, the rest are requeued, the database is closed. */
  close(graceMs: number): Promise<void>
}

export interface HostOptions {
  dataDir: string
  launcher: Launcher
  nativeBinding?: string
  engine?: Partial<EngineOptions>
}

/**
 * Everything one data folder needs, assembled and started: the database, the
 * kinds, the engine. Used alike by the Electron main process, the headless
 * server, the tests and the benchmark. A folder or database that can't be
 * used is a DataFolderError or a DatabaseOpenError, each with a message for
 * a person; nothing is left open.
 */
export async function openHost(options: HostOptions): Promise<Host> {
  const paths = dataPaths(options.dataDir)
  ensureDataFolder(options.dataDir)
  try {
    // Scratch folders of attempts cut off by a crash; no worker runs yet, so none is in use.
    rmSync(paths.scratch, { recursive: true, force: true })
  } catch (error) {
    throw describeFolderFailure(options.dataDir, error)
  }
  const kinds = await loadKinds(paths.kinds)
  const db = openDatabase(paths.database, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  let engine: Engine | undefined
  try {
    // Reading the counts and recovering the last run's jobs are the first real reads: damage shows here.
    engine = new Engine(
      { store: new JobStore(db), launcher: options.launcher, kinds },
      { ...options.engine, workerEnv: { [WORKER_ENV.kindsDir]: paths.kinds, [WORKER_ENV.scratchDir]: paths.scratch, ...options.engine?.workerEnv } },
    )
    engine.start()
  } catch (error) {
    // Its timers (a storage retry, say) must not outlive it.
    await engine?.shutdown(0)
    db.close()
    throw describeOpenFailure(paths.database, error) ?? error
  }
  let closed: Promise<void> | undefined
  return {
    engine,
    kinds,
    handlers: createApiHandlers(engine, kinds),
    db,
    close: (graceMs) =>
      (closed ??= engine.shutdown(graceMs).then(() => {
        db.close()
      })),
  }
}
