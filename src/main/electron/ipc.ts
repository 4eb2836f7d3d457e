import { ipcMain, webContents } from 'electron'
import { api, METHOD_NAMES, type MethodName } from '../../shared/api'
import { ApiError, parseOrThrow } from '../../shared/errors'
import { IPC_EVENT_CHANNEL, IPC_PREFIX } from '../../shared/methods'
import type { Host } from '../engine/host'

/** Results cross the bridge as `{ ok, value }` or `{ error }`, so a typed error survives structured cloning. */
export function registerIpc(host: Host): void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(`${IPC_PREFIX}${method}`, async (_event, input: unknown) => {
      try {
        const parsed = parseOrThrow(api[method].input, input ?? {})
        const handler = host.handlers[method as MethodName] as (input: unknown) => unknown
        return { ok: true, value: await handler(parsed) }
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError('internal', (error as Error)?.message ?? String(error))
        return apiError.toBody()
      }
    })
  }
  host.engine.subscribe((event) => {
    for (const contents of webContents.getAllWebContents()) contents.send(IPC_EVENT_CHANNEL, event)
  })
}
