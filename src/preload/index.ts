import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { OffloadEvent } from '../shared/api'
import type { OffloadBridge } from '../shared/bridge'
import { IPC_EVENT_CHANNEL, IPC_PREFIX, METHOD_NAMES } from '../shared/methods'

/** A typed API error, rebuilt on this side of the bridge. */
class OffloadError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message)
    this.name = 'OffloadError'
  }
}

type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; detail?: unknown } }

/**
 * window.offload: one invoke per contract method and onEvent, nothing else
 * of ipcRenderer. Validation happens in the main process; this side only
 * forwards and unwraps.
 */
const methods = Object.fromEntries(
  METHOD_NAMES.map((method) => [
    method,
    async (input?: unknown) => {
      const reply = (await ipcRenderer.invoke(`${IPC_PREFIX}${method}`, input ?? {})) as Reply
      if (!reply.ok) throw new OffloadError(reply.error.code, reply.error.message, reply.error.detail)
      return reply.value
    },
  ]),
)

const bridge = {
  ...methods,
  onEvent(listener: (event: OffloadEvent) => void): () => void {
    const wrapped = (_event: IpcRendererEvent, batch: OffloadEvent[]): void => {
      for (const event of batch) listener(event)
    }
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped)
    }
  },
} as OffloadBridge

contextBridge.exposeInMainWorld('offload', bridge)
