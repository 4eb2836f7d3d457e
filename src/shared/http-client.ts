import type { ApiClient } from './api'
import { METHOD_NAMES, ROUTES, type MethodName, type Route } from './methods'
import { ApiError } from './wire-error'

/** A query string for a GET: strings as they are, anything else as JSON (numbers, booleans, lists). */
function toQuery(input: Record<string, unknown>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(input))
    if (value !== undefined && value !== null) params.set(key, typeof value === 'string' ? value : JSON.stringify(value))
  const text = params.toString()
  return text ? `?${text}` : ''
}

export interface HttpClientOptions {
  baseUrl: string
  token: string
  /** What a caller is told when nothing answers: the panel and the command line say it differently. */
  unreachable: string
  fetch?: typeof fetch
}

/**
 * The contract over HTTP, from the same table the server's routes come from:
 * path parameters filled in, GETs as query strings, everything else as JSON;
 * an error answer comes back as the ApiError the server sent.
 */
export function createHttpClient(options: HttpClientOptions): ApiClient {
  const send = options.fetch ?? fetch
  const call = async (method: MethodName, input: Record<string, unknown> = {}): Promise<unknown> => {
    const http: Route = ROUTES[method]
    let path: string = http.path
    const rest = { ...input }
    for (const key of path.match(/:(\w+)/g) ?? []) {
      path = path.replace(key, encodeURIComponent(String(rest[key.slice(1)])))
      delete rest[key.slice(1)]
    }
    let response: Response
    try {
      response = await send(`${options.baseUrl}${path}${http.method === 'GET' ? toQuery(rest) : ''}`, {
        method: http.method,
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        ...(http.method === 'GET' ? {} : { body: JSON.stringify(rest) }),
      })
    } catch {
      throw new ApiError('unreachable', options.unreachable)
    }
    const body = (await response.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown; detail?: unknown } } | null
    if (!response.ok) throw ApiError.fromBody(body?.error, response.statusText)
    return body
  }
  return Object.fromEntries(METHOD_NAMES.map((m) => [m, (input?: Record<string, unknown>) => call(m, input)])) as unknown as ApiClient
}
