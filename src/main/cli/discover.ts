import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isAlive } from '../common/process-alive'
import { ServerInfoSchema, type ServerInfo } from '../../shared/server-info'
import { CliError, EXIT } from './errors'

/** Where a client finds Offload: the server's address and its token. */
export interface Connection {
  url: string
  token: string
  /** Where it came from, for messages: a data folder, or the flag or variable that gave the address… */
  source: string
  /** …and the one that gave the token. */
  tokenFrom: string
}

export interface DiscoverOptions {
  url?: string | undefined
  token?: string | undefined
  /** A data folder named by the user (--data): only its server.json is read. */
  data?: string | undefined
  env: NodeJS.ProcessEnv
  /** The folders to look in when none is named, in order: the desktop app's, then the headless default. */
  folders: readonly string[]
  isAlive?: (pid: number) => boolean
}

const NOT_RUNNING = 'Offload isn’t running: start the app, or `offload serve`'

function readServerFile(folder: string): ServerInfo | 'unreadable' | undefined {
  let text: string
  try {
    text = readFileSync(join(folder, 'server.json'), 'utf8')
  } catch {
    return undefined
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const info = ServerInfoSchema.safeParse(parsed)
  return info.success ? info.data : 'unreadable'
}

/**
 * One rule for every client: --url/--token, else OFFLOAD_URL/OFFLOAD_TOKEN,
 * else server.json in --data, else in the desktop app's data folder, else in
 * ~/.offload. A server.json whose process has gone says so instead of letting
 * a connection fail.
 */
export function discover(options: DiscoverOptions): Connection {
  const url = options.url ?? options.env.OFFLOAD_URL
  const token = options.token ?? options.env.OFFLOAD_TOKEN
  if (url !== undefined || token !== undefined) {
    if (url === undefined || token === undefined) {
      throw new CliError('Give both the address and the token: --url and --token, or OFFLOAD_URL and OFFLOAD_TOKEN')
    }
    return {
      url: url.replace(/\/+$/, ''),
      token,
      source: options.url !== undefined ? '--url' : 'OFFLOAD_URL',
      tokenFrom: options.token !== undefined ? '--token' : 'OFFLOAD_TOKEN',
    }
  }
  const alive = options.isAlive ?? isAlive
  const folders = options.data !== undefined ? [options.data] : options.folders
  let stopped: string | undefined
  let unreadable: string | undefined
  for (const folder of folders) {
    const info = readServerFile(folder)
    if (!info) continue
    if (info === 'unreadable') unreadable ??= join(folder, 'server.json')
    else if (alive(info.pid)) return { url: info.url, token: info.token, source: folder, tokenFrom: join(folder, 'server.json') }
    else stopped ??= folder
  }
  if (unreadable !== undefined) throw new CliError(`${unreadable} is not a server file Offload wrote; remove it, or give --url and --token`)
  if (stopped !== undefined) throw new CliError(`${NOT_RUNNING} (the server that used ${stopped} has stopped)`, EXIT.unreachable)
  throw new CliError(options.data !== undefined ? `${NOT_RUNNING} (nothing serves ${options.data})` : NOT_RUNNING, EXIT.unreachable)
}
