import type { ServerInfo } from '../../shared/server-info'
import { ensureDataFolder } from '../engine/data-folder'
import type { EngineOptions } from '../engine/engine'
import { openHost, type Host } from '../engine/host'
import { createForkLauncher } from '../node/fork-launcher'
import { refuseIfServed, startLocalApiServer } from './local-api-server'
import type { WorkerEntry } from './worker-entry'

export type { ServerInfo }

export interface HeadlessOptions {
  dataDir: string
  port: number
  worker: WorkerEntry
  rendererDir?: string
  engine?: Partial<EngineOptions>
}

export interface HeadlessServer {
  info: ServerInfo
  host: Host
  stop(graceMs: number): Promise<void>
}

/** Opens the data folder, starts the engine and serves the API on 127.0.0.1. */
export async function startHeadless(options: HeadlessOptions): Promise<HeadlessServer> {
  ensureDataFolder(options.dataDir)
  // Before the database is opened: a second engine on it would requeue the first one's running jobs.
  refuseIfServed(options.dataDir)
  const host = await openHost({
    dataDir: options.dataDir,
    launcher: createForkLauncher(options.worker),
    ...(options.engine ? { engine: options.engine } : {}),
  })
  let api
  try {
    api = await startLocalApiServer({
      dataDir: options.dataDir,
      handlers: host.handlers,
      subscribe: (listener) => host.backend.subscribe(listener),
      port: options.port,
      transfer: host.transfer,
      ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
    })
  } catch (error) {
    await host.close(0)
    throw error
  }
  let stopped: Promise<void> | undefined
  return {
    info: api.info,
    host,
    stop: (graceMs) =>
      (stopped ??= (async () => {
        await api.close()
        await host.close(graceMs)
        // Only now: until the database is closed, a second server must still find this one and refuse.
        api.removeInfo()
      })()),
  }
}
