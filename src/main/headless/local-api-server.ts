import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import type { ApiHandlers, OffloadEvent } from '../../shared/api'
import { ServerInfoSchema, type ServerInfo } from '../../shared/server-info'
import { dataPaths, writePrivateFile } from '../engine/data-folder'
import type { TransferRoutes } from '../../shared/export'
import { createHttpServer } from './http-server'
import { isAlive } from '../common/process-alive'

/**
 * A data folder's API on 127.0.0.1, as both the headless server and the
 * desktop app run it: one token per folder, kept across restarts, and
 * server.json to say where the server is.
 */

export class AlreadyRunningError extends Error {
  constructor(readonly info: ServerInfo) {
    super(`Offload is already serving this data folder (pid ${info.pid}) at ${info.url}`)
    this.name = 'AlreadyRunningError'
  }
}

/** What the folder's server.json says, if it is readable and well formed. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
  let text: string
  try {
    text = readFileSync(dataPaths(dataDir).serverInfo, 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = ServerInfoSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** The server another live process runs on this folder; a file left by a crash names a dead pid and does not count. */
export function liveServer(dataDir: string): ServerInfo | undefined {
  const info = readServerInfo(dataDir)
  return info && info.pid !== process.pid && isAlive(info.pid) ? info : undefined
}

/** Throws AlreadyRunningError when another live process serves this folder. */
export function refuseIfServed(dataDir: string): void {
  const other = liveServer(dataDir)
  if (other) throw new AlreadyRunningError(other)
}

/** The token survives restarts so an open browser tab, and a script that read it once, reconnect by themselves. */
export function loadOrCreateToken(dataDir: string): string {
  const file = dataPaths(dataDir).token
  let saved = ''
  try {
    saved = readFileSync(file, 'utf8').trim()
  } catch {
    // None yet.
  }
  if (/^[A-Za-z0-9_-]{32,}$/.test(saved)) return saved
  const token = randomBytes(32).toString('base64url')
  writePrivateFile(dataDir, file, token)
  return token
}

export interface LocalApiServerOptions {
  dataDir: string
  handlers: ApiHandlers
  subscribe(listener: (event: OffloadEvent) => void): () => void
  /** 0 picks a free one. */
  port: number
  /** When `port` is taken, listen on a free one instead (the desktop app, which has no --port to change). */
  orFreePort?: boolean
  /** The built renderer, so a browser gets the panel at `<url>/?token=…`. */
  rendererDir?: string
  /** Export and import of the whole queue (`offload export`, `offload import`). */
  transfer?: TransferRoutes
}

export interface LocalApiServer {
  readonly info: ServerInfo
  /** Stops answering: event streams end, new connections are refused. server.json stays until `removeInfo`. */
  close(): Promise<void>
  /** Removes server.json if it still names this server, so clients stop looking for it. */
  removeInfo(): void
}

/**
 * Serves the API of an open host on 127.0.0.1 and writes server.json.
 * Refuses (AlreadyRunningError) when another live process serves the folder;
 * on any failure nothing is left listening and server.json is untouched.
 */
export async function startLocalApiServer(options: LocalApiServerOptions): Promise<LocalApiServer> {
  refuseIfServed(options.dataDir)
  const token = loadOrCreateToken(options.dataDir)
  const http = createHttpServer({
    handlers: options.handlers,
    subscribe: (listener) => options.subscribe(listener),
    token,
    ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
    ...(options.transfer ? { transfer: options.transfer } : {}),
  })
  let port: number
  try {
    port = await http.listen(options.port)
  } catch (error) {
    if (!options.orFreePort || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    port = await http.listen(0)
  }
  const info: ServerInfo = { url: `http://127.0.0.1:${port}`, port, token, pid: process.pid }
  const file = dataPaths(options.dataDir).serverInfo
  try {
    writePrivateFile(options.dataDir, file, `${JSON.stringify(info, null, 2)}\n`)
  } catch (error) {
    await http.close()
    throw error
  }
  return {
    info,
    close: () => http.close(),
    removeInfo: () => {
      const current = readServerInfo(options.dataDir)
      if (current?.pid === info.pid && current.port === info.port) rmSync(file, { force: true })
    },
  }
}
