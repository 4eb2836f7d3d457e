import { contextBridge, ipcRenderer } from 'electron'
import { IPC_EVENT_CHANNEL, IPC_PREFIX, METHOD_NAMES } from '../shared/methods'

/** window.offload: one invoke per contract method, plus onEvent. Nothing else of ipcRenderer is exposed. */
const bridge = {
  ...Object.fromEntries(
    METHOD_NAMES.map((method) => [
      method,
      async (input: unknown) => {
        const reply = (await ipcRenderer.invoke(`${IPC_PREFIX}${method}`, input)) as
          | { ok: true; value: unknown }
          | { error: { code: string; message: string } }
        if ('error' in reply) throw Object.assign(new Error(reply.error.message), { code: reply.error.code })
        return reply.value
      },
    ]),
  ),
  onEvent(listener: (event: unknown) => void): () => void {
    const wrapped = (_: unknown, event: unknown): void => listener(event)
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped)
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, wrapped)
  },
}

contextBridge.exposeInMainWorld('offload', bridge)
