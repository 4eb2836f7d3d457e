import type { OffloadBridge } from '../../../shared/bridge'
import { ApiCallError, type Transport } from './transport'

/** The desktop app's bridge. Its errors carry a code; they become the same ApiCallError the HTTP side throws. */
export function createIpcTransport(bridge: OffloadBridge): Transport {
  const api = new Proxy(bridge, {
    get(target, method: string) {
      const fn = target[method as keyof OffloadBridge] as (input: unknown) => Promise<unknown>
      return async (input: unknown) => {
        try {
          return await fn(input ?? {})
        } catch (error) {
          const e = error as { code?: string; message?: string; detail?: unknown }
          throw new ApiCallError(e.code ?? 'internal', e.message ?? String(error), e.detail)
        }
      }
    },
  })
  return {
    api,
    subscribe(onEvent, onStatus) {
      onStatus('open')
      return bridge.onEvent(onEvent)
    },
  }
}
