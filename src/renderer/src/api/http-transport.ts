import { api, EVENTS_PATH, METHOD_NAMES, type ApiClient, type MethodName, type OffloadEvent } from '../../../shared/api'
import { ApiError } from '../../../shared/wire-error'
import type { ConnectionStatus, Transport } from './transport'

function toQuery(input: Record<string, unknown>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(input))
    if (value !== undefined && value !== null) params.set(key, typeof value === 'string' ? value : JSON.stringify(value))
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** The contract over HTTP, with the token the server printed; events by Server-Sent Events, which reconnect by themselves. */
export function createHttpTransport(baseUrl: string, token: string): Transport {
  const call = async (method: MethodName, input: Record<string, unknown> = {}): Promise<unknown> => {
    const { http } = api[method]
    let path: string = http.path
    const rest = { ...input }
    for (const key of path.match(/:(\w+)/g) ?? []) {
      path = path.replace(key, encodeURIComponent(String(rest[key.slice(1)])))
      delete rest[key.slice(1)]
    }
    let response: Response
    try {
      response = await fetch(`${baseUrl}${path}${http.method === 'GET' ? toQuery(rest) : ''}`, {
        method: http.method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(http.method === 'GET' ? {} : { body: JSON.stringify(rest) }),
      })
    } catch {
      throw new ApiError('unreachable', 'Offload is not reachable, so this was not done. Try again once the panel says Connected.')
    }
    const body = (await response.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown; detail?: unknown } } | null
    if (!response.ok) throw ApiError.fromBody(body?.error, response.statusText)
    return body
  }
  const client = Object.fromEntries(METHOD_NAMES.map((m) => [m, (input?: Record<string, unknown>) => call(m, input)])) as unknown as ApiClient
  return {
    where: 'browser',
    api: client,
    subscribe(onEvent, onStatus) {
      const source = new EventSource(`${baseUrl}${EVENTS_PATH}?token=${encodeURIComponent(token)}`)
      const status = (s: ConnectionStatus): void => onStatus(s)
      status('connecting')
      source.onopen = () => status('open')
      // An event stream cannot tell a refused token from a dropped line; a plain request can.
      source.onerror = () => {
        status('reconnecting')
        void fetch(`${baseUrl}/api/stats`, { headers: { authorization: `Bearer ${token}` } }).then(
          (res) => {
            if (res.status !== 401) return
            source.close()
            status('unauthorized')
          },
          () => {},
        )
      }
      const handle = (message: MessageEvent<string>): void => onEvent(JSON.parse(message.data) as OffloadEvent)
      for (const type of ['jobs', 'stats', 'settings', 'storage'] as const) source.addEventListener(type, handle)
      return () => source.close()
    },
  }
}
