import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { OffloadEvent } from '../shared/api'
import type { OffloadBridge } from '../shared/bridge'
import type { ApiReply } from '../shared/wire-error'
import { IPC_DOCUMENT_CHANNELS, IPC_EVENT_CHANNEL, IPC_PREFIX, METHOD_NAMES } from '../shared/methods'

/**
 * window.offload: one invoke per contract method, onEvent, and the desktop's
 * open and reveal of a found document; nothing else of ipcRenderer. Validation happens in the main process; this side only
 * forwards, and hands the reply on as data (see OffloadBridge).
 */
const methods = Object.fromEntries(
  METHOD_NAMES.map((method) => [method, (input?: unknown) => ipcRenderer.invoke(`${IPC_PREFIX}${method}`, input ?? {}) as Promise<ApiReply>]),
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
  openDocument: (path: string) => ipcRenderer.invoke(IPC_DOCUMENT_CHANNELS.open, path) as Promise<ApiReply<null>>,
  revealDocument: (path: string) => ipcRenderer.invoke(IPC_DOCUMENT_CHANNELS.reveal, path) as Promise<ApiReply<null>>,
} as OffloadBridge

contextBridge.exposeInMainWorld('offload', bridge)
