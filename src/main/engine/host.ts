import type Database from 'better-sqlite3'
import { join } from 'node:path'
import type { ApiHandlers } from '../../shared/api'
import { loadKinds, type KindRegistry } from '../kinds/registry'
import { createApiHandlers } from './api-handlers'
import { openDatabase } from './database'
import { Engine, type EngineOptions } from './engine'
import { JobStore } from './job-store'
import type { Launcher } from './launcher'
import { WORKER_ENV } from './protocol'

/** Where things live inside a data folder. */
export function dataPaths(dataDir: string) {
  return {
    database: join(dataDir, 'offload.db'),
    kinds: join(dataDir, 'kinds'),
    scratch: join(dataDir, 'scratch'),
    serverInfo: join(dataDir, 'server.json'),
    token: join(dataDir, 'token'),
  }
}

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
 * server, the tests and the benchmark.
 */
export async function openHost(options: HostOptions): Promise<Host> {
  const paths = dataPaths(options.dataDir)
  const kinds = await loadKinds(paths.kinds)
  const db = openDatabase(paths.database, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  const engine = new Engine(
    { store: new JobStore(db), launcher: options.launcher, kinds },
    { ...options.engine, workerEnv: { [WORKER_ENV.kindsDir]: paths.kinds, [WORKER_ENV.scratchDir]: paths.scratch, ...options.engine?.workerEnv } },
  )
  engine.start()
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
