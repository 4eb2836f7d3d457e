import type { ApiClient } from '../../shared/api'
import { createHttpClient } from '../../shared/http-client'
import { ApiError } from '../../shared/wire-error'
import type { Connection } from './discover'
import { CliError, EXIT } from './errors'

/** Longer than any call takes (a bulk action on a million jobs is chunked, not slow to start). */
const REQUEST_TIMEOUT_MS = 60_000

/** What the command line says when nothing answers. */
export const unreachableAt = (connection: Connection): string => `Offload isn’t answering at ${connection.url}: start the app, or \`offload serve\``

/** The contract over HTTP, for the command line. */
export function apiClient(connection: Connection): ApiClient {
  return createHttpClient({
    baseUrl: connection.url,
    token: connection.token,
    unreachable: unreachableAt(connection),
    // A server that takes the connection but never answers must not hang a script.
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
  })
}

/** What the server said, as the command line says it: one line, and the exit code it deserves. */
export function cliErrorOf(error: unknown, connection: Connection): CliError {
  if (error instanceof CliError) return error
  if (!(error instanceof ApiError)) return new CliError(error instanceof Error ? error.message : String(error))
  if (error.code === 'unreachable') return new CliError(error.message, EXIT.unreachable)
  if (error.code === 'unauthorized') {
    return new CliError(`The token was refused by ${connection.url} (it came from ${connection.tokenFrom}); the right one is in the data folder's server.json`)
  }
  const fields = Array.isArray(error.detail) ? (error.detail as { path?: unknown; message?: unknown }[]) : []
  const named = fields
    .filter((d) => typeof d.path === 'string' && d.path !== '' && typeof d.message === 'string')
    .map((d) => `${(d.path as string).replace(/^params\./, '')}: ${d.message as string}`)
  return new CliError(named.length > 0 && error.code === 'invalid_params' ? `${error.message.split(':')[0]}: ${named.join('; ')}` : error.message)
}
