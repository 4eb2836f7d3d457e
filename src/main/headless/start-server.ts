import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { dataPaths, ensureDataFolder, writePrivateFile } from '../engine/data-folder'
import { createForkLauncher } from '../node/fork-launcher'
import { openHost, type Host } from '../engine/host'
import type { EngineOptions } from '../engine/engine'
import { createHttpServer } from './http-server'
import type { WorkerEntry } from './worker-entry'

export interface ServerInfo {
  url: string
  port: number
  token: string
  pid: number
}

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

export class AlreadyRunningError extends Error {
  constructor(readonly info: ServerInfo) {
    super(`Offload is already serving this data folder (pid ${info.pid}) at ${info.url}`)
    this.name = 'AlreadyRunningError'
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The token survives restarts so an open browser tab reconnects by itself. */
function loadOrCreateToken(dataDir: string, file: string): string {
  const saved = (() => {
    try {
      return readFileSync(file, 'utf8').trim()
    } catch {
      return ''
    }
  })()
  if (/^[A-Za-z0-9_-]{32,}$/.test(saved)) return saved
  const token = randomBytes(32).toString('base64url')
  writePrivateFile(dataDir, file, token)
  return token
}

/** Opens the data folder, starts the engine and serves the API on 127.0.0.1. */
export async function startHeadless(options: HeadlessOptions): Promise<HeadlessServer> {
  const paths = dataPaths(options.dataDir)
  ensureDataFolder(options.dataDir)
  const previous = readJson(paths.serverInfo) as ServerInfo | undefined
  if (previous && typeof previous.pid === 'number' && previous.pid !== process.pid && isAlive(previous.pid)) {
    throw new AlreadyRunningError(previous)
  }
  const token = loadOrCreateToken(options.dataDir, paths.token)
  const host = await openHost({
    dataDir: options.dataDir,
    launcher: createForkLauncher(options.worker),
    ...(options.engine ? { engine: options.engine } : {}),
  })
  const http = createHttpServer({
    handlers: host.handlers,
    subscribe: (listener) => host.engine.subscribe(listener),
    token,
    ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
  })
  let port: number
  try {
    port = await http.listen(options.port)
  } catch (error) {
    await host.close(0)
    throw error
  }
  const info: ServerInfo = { url: `http://127.0.0.1:${port}`, port, token, pid: process.pid }
  try {
    writePrivateFile(options.dataDir, paths.serverInfo, `${JSON.stringify(info, null, 2)}\n`)
  } catch (error) {
    await http.close()
    await host.close(0)
    throw error
  }
  let stopped: Promise<void> | undefined
  return {
    info,
    host,
    stop: (graceMs) =>
      (stopped ??= (async () => {
        await http.close()
        await host.close(graceMs)
        rmSync(paths.serverInfo, { force: true })
      })()),
  }
}
