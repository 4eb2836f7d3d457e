import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { METHOD_NAMES, parseRequest, type ApiHandlers, type OffloadEvent } from '../../shared/api'
import { ApiError, asApiError, type ApiReply } from '../../shared/wire-error'
import { IPC_EVENT_CHANNEL, IPC_PREFIX } from '../../shared/methods'
import { EventBatcher } from '../desktop/event-batcher'
import { isTrustedSender } from '../desktop/trusted-sender'

export const EVENT_BATCH_MS = 100

function senderFrame(event: IpcMainInvokeEvent): { url: string; isMainFrame: boolean } | null {
  const frame = event.senderFrame
  if (!frame) return null
  return { url: frame.url, isMainFrame: frame === event.sender.mainFrame }
}

/**
 * One `ipcMain.handle` per contract method. Each checks that the sender is
 * the app's own page, validates the payload with the contract's schema and
 * returns a typed error for anything wrong; nothing a renderer sends can
 * throw in the main process.
 */
export function registerIpcHandlers(handlers: ApiHandlers, appUrl: () => string): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(`${IPC_PREFIX}${method}`, async (event, input: unknown): Promise<ApiReply> => {
      try {
        if (!isTrustedSender(senderFrame(event), appUrl())) {
          throw new ApiError('unauthorized', 'Only the Offload window may call the Offload API')
        }
        const parsed = parseRequest(method, input ?? {})
        const handler = handlers[method] as (input: unknown) => unknown
        return { ok: true, value: await handler(parsed) }
      } catch (error) {
        return { ok: false, ...asApiError(error).toBody() }
      }
    })
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(`${IPC_PREFIX}${method}`)
  }
}

/** Engine events to one window, merged and sent at most ten times a second. */
export function streamEventsTo(contents: WebContents, subscribe: (listener: (event: OffloadEvent) => void) => () => void): () => void {
  const batcher = new EventBatcher(EVENT_BATCH_MS, (batch) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, batch)
  })
  const unsubscribe = subscribe((event) => batcher.push(event))
  const stop = (): void => {
    unsubscribe()
    batcher.dispose()
  }
  contents.once('destroyed', stop)
  return stop
}
