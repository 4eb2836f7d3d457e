import type { ApiClient } from '../../../shared/api'
import type { OffloadBridge } from '../../../shared/bridge'
import { ApiError, type ApiReply } from '../../../shared/wire-error'
import type { Transport } from './transport'

/** The desktop app's bridge. Its replies carry a code; an error becomes the same ApiError the HTTP side throws. */
export function createIpcTransport(bridge: OffloadBridge): Transport {
  const api = new Proxy(bridge, {
    get(target, method: string) {
      const fn = target[method as keyof OffloadBridge] as (input: unknown) => Promise<ApiReply>
      return async (input: unknown) => {
        const reply = await fn(input ?? {})
        if (!reply.ok) throw ApiError.fromBody(reply.error)
        return reply.value
      }
    },
  }) as unknown as ApiClient
  const unwrap = async (reply: Promise<ApiReply<null>>): Promise<void> => {
    const answer = await reply
    if (!answer.ok) throw ApiError.fromBody(answer.error)
  }
  return {
    where: 'desktop',
    api,
    documents: {
      open: (path) => unwrap(bridge.openDocument(path)),
      reveal: (path) => unwrap(bridge.revealDocument(path)),
    },
    subscribe(onEvent, onStatus) {
      onStatus('open')
      return bridge.onEvent(onEvent)
    },
  }
}
