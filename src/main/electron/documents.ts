import { ipcMain, shell, type IpcMainInvokeEvent } from 'electron'
import { existsSync } from 'node:fs'
import { IPC_DOCUMENT_CHANNELS } from '../../shared/methods'
import { ApiError, asApiError, type ApiReply } from '../../shared/wire-error'
import { isTrustedSender } from '../desktop/trusted-sender'

const MAX_PATH_CHARS = 4096

function senderFrame(event: IpcMainInvokeEvent): { url: string; isMainFrame: boolean } | null {
  const frame = event.senderFrame
  if (!frame) return null
  return { url: frame.url, isMainFrame: frame === event.sender.mainFrame }
}

/**
 * The Search view's Open and Show in folder. Only the app's page may ask,
 * and only for a document the index holds that is still there: opening a
 * file can run it, so the window may not name just any path.
 */
export function registerDocumentHandlers(isIndexed: (path: string) => boolean, appUrl: () => string): () => void {
  const handle = (channel: string, act: (path: string) => Promise<void> | void): void => {
    ipcMain.handle(channel, async (event, path: unknown): Promise<ApiReply<null>> => {
      try {
        if (!isTrustedSender(senderFrame(event), appUrl())) throw new ApiError('unauthorized', 'Only the Offload window may open documents')
        if (typeof path !== 'string' || path === '' || path.length > MAX_PATH_CHARS) throw new ApiError('invalid_input', 'A document’s path, as search gave it')
        if (!isIndexed(path)) throw new ApiError('not_found', `${path} is not a document in the index`)
        if (!existsSync(path)) throw new ApiError('not_found', `${path} is no longer there; index its folder again`)
        await act(path)
        return { ok: true, value: null }
      } catch (error) {
        return { ok: false, ...asApiError(error).toBody() }
      }
    })
  }
  handle(IPC_DOCUMENT_CHANNELS.open, async (path) => {
    const problem = await shell.openPath(path)
    if (problem) throw new ApiError('wrong_state', `Could not open ${path}: ${problem}`)
  })
  handle(IPC_DOCUMENT_CHANNELS.reveal, (path) => shell.showItemInFolder(path))
  return () => {
    for (const channel of Object.values(IPC_DOCUMENT_CHANNELS)) ipcMain.removeHandler(channel)
  }
}
