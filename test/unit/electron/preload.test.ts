import { describe, expect, it, vi } from 'vitest'
import { METHOD_NAMES, type OffloadEvent } from '../../../src/shared/api'
import type { OffloadBridge } from '../../../src/shared/bridge'
import { IPC_EVENT_CHANNEL, IPC_PREFIX } from '../../../src/shared/methods'

vi.mock('electron', () => import('../../fakes/electron'))

const electron = await import('../../fakes/electron')
await import('../../../src/preload/index')
const bridge = electron.contextBridge.exposed.get('offload') as OffloadBridge

describe('preload bridge', () => {
  it('exposes every contract method and onEvent, nothing else', () => {
    expect([...electron.contextBridge.exposed.keys()]).toEqual(['offload'])
    expect(Object.keys(bridge).sort()).toEqual([...METHOD_NAMES, 'onEvent'].sort())
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function')
  })

  it('invokes the matching channel and unwraps the value', async () => {
    electron.ipcMain.handle(`${IPC_PREFIX}getStats`, (_event, input) => ({ ok: true, value: { echoed: input } }))
    await expect(bridge.getStats({})).resolves.toEqual({ echoed: {} })
    electron.ipcMain.removeHandler(`${IPC_PREFIX}getStats`)
  })

  it('turns a typed error reply into a rejection that keeps its code', async () => {
    electron.ipcMain.handle(`${IPC_PREFIX}getJob`, () => ({ ok: false, error: { code: 'not_found', message: 'No job with id X' } }))
    await expect(bridge.getJob({ id: 'X' })).rejects.toMatchObject({ name: 'OffloadError', code: 'not_found', message: 'No job with id X' })
    electron.ipcMain.removeHandler(`${IPC_PREFIX}getJob`)
  })

  it('delivers each event of a batch, until unsubscribed', () => {
    const seen: OffloadEvent[] = []
    const stop = bridge.onEvent((event) => seen.push(event))
    const batch: OffloadEvent[] = [
      { type: 'reveal', jobId: 'a' },
      { type: 'reveal', status: 'failed' },
    ]
    electron.ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, batch)
    stop()
    electron.ipcRenderer.emit(IPC_EVENT_CHANNEL, {}, batch)
    expect(seen).toEqual(batch)
    expect(electron.ipcRenderer.listenerCount(IPC_EVENT_CHANNEL)).toBe(0)
  })
})
