import { createParser } from 'eventsource-parser'
import { EVENTS_PATH, EventSchema, type OffloadEvent } from '../../shared/api'
import type { Connection } from './discover'

const RECONNECT_MS = 1000

/**
 * The server's event stream, parsed and checked against the contract, for
 * as long as `signal` allows; a dropped stream is opened again after a
 * second, and `onOpen` hears each (re)opening so callers can catch up, and
 * `onDrop` each loss. A refused token ends it: waiting will not help.
 */
export async function followEvents(
  connection: Connection,
  handlers: { onEvent: (event: OffloadEvent) => void; onOpen?: () => void; onDrop?: () => void },
  signal: AbortSignal,
): Promise<'stopped' | 'unauthorized'> {
  while (!signal.aborted) {
    try {
      const response = await fetch(`${connection.url}${EVENTS_PATH}`, { headers: { authorization: `Bearer ${connection.token}` }, signal })
      if (response.status === 401) return 'unauthorized'
      if (response.ok && response.body) {
        handlers.onOpen?.()
        const parser = createParser({
          onEvent: ({ data }) => {
            const event = EventSchema.safeParse(JSON.parse(data))
            if (event.success) handlers.onEvent(event.data)
          },
        })
        const decoder = new TextDecoder()
        for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }))
      }
    } catch {
      // Dropped, or nothing listening: try again, unless we were told to stop.
    }
    if (signal.aborted) break
    handlers.onDrop?.()
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS))
  }
  return 'stopped'
}
