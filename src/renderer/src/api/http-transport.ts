import type { OffloadEvent } from '../../../shared/api'
import { EVENTS_PATH } from '../../../shared/methods'
import { createHttpClient } from '../../../shared/http-client'
import type { ConnectionStatus, Transport } from './transport'

/** The contract over HTTP, with the token the server printed; events by Server-Sent Events, which reconnect by themselves. */
export function createHttpTransport(baseUrl: string, token: string): Transport {
  const client = createHttpClient({ baseUrl, token, unreachable: 'Offload is not reachable, so this was not done. Try again once the panel says Connected.' })
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
