import type { ApiClient } from '../../shared/api'
import { apiClient } from './client'
import { discover, type Connection } from './discover'

/** What a command may touch: its streams and environment (tests pass their own), and the way to Offload. */
export interface CliIo {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  env: NodeJS.ProcessEnv
  cwd: string
  /** Where server.json is looked for when no --data is given: the desktop app's data folder, then ~/.offload. */
  folders: readonly string[]
}

export interface GlobalOptions {
  url?: string
  token?: string
  data?: string
}

export interface Context {
  io: CliIo
  connection: Connection
  api: ApiClient
  out: (line: string) => void
  err: (line: string) => void
}

/** Finds Offload (flags, then env, then server.json) and gives the command a client for it. */
export function connect(io: CliIo, options: GlobalOptions): Context {
  const connection = discover({ url: options.url, token: options.token, data: options.data, env: io.env, folders: io.folders })
  return {
    io,
    connection,
    api: apiClient(connection),
    out: (line) => io.stdout.write(`${line}\n`),
    err: (line) => io.stderr.write(`${line}\n`),
  }
}

/** How wide the terminal is: COLUMNS wins (scripts and tests set it), then the TTY's width, else 80. */
export function terminalColumns(io: CliIo): number {
  const fromEnv = Number(io.env.COLUMNS)
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv
  return io.stdout.columns || 80
}
