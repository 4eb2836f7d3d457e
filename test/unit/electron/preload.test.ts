import { describe, expect, it, vi } from 'vitest'
import { METHOD_NAMES, type OffloadEvent } from '../../../src/shared/api'
import type { OffloadBridge } from '../../../src/shared/bridge'
import { IPC_DOCUMENT_CHANNELS, IPC_EVENT_CHANNEL, IPC_PREFIX } from '../../../src/shared/methods'
import { ApiError } from '../../../src/shared/wire-error'
import { createIpcTransport } from '../../../src/renderer/src/api/ipc-transport'

vi.mock('electron', () => import('../../fakes/electron'))

const electron = await import('../../fakes/electron')
await import('../../../src/preload/index')
const bridge = electron.contextBridge.exposed.get('offload') as OffloadBridge

describe('preload bridge', () => {
  it('exposes every contract method, onEvent, and opening and revealing a document; nothing else', () => {
    expect([...electron.contextBridge.exposed.keys()]).toEqual(['offload'])
    expect(Object.keys(bridge).sort()).toEqual([...METHOD_NAMES, 'onEvent', 'openDocument', 'revealDocument'].sort())
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function')
  })

  it('invokes the matching channel and hands on its reply as data', async () => {
    electron.ipcMain.handle(`${IPC_PREFIX}getStats`, (_event, input) => ({ ok: true, value: { echoed: input } }))
    await expect(bridge.getStats({})).resolves.toEqual({ ok: true, value: { echoed: {} } })
    electron.ipcMain.removeHandler(`${IPC_PREFIX}getStats`)
  })

  it('an error reply keeps its code and detail, which a thrown error would lose crossing the context bridge', async () => {
    const error = { code: 'invalid_params', message: 'Invalid params', detail: [{ path: 'folder', message: 'Required' }] }
    electron.ipcMain.handle(`${IPC_PREFIX}getJob`, () => ({ ok: false, error }))
    await expect(bridge.getJob({ id: 'X' })).resolves.toEqual({ ok: false, error })
    electron.ipcMain.removeHandler(`${IPC_PREFIX}getJob`)
  })

  it('the panel’s IPC transport turns that reply into the same ApiError the HTTP transport throws', async () => {
    const error = { code: 'invalid_params', message: 'Invalid params', detail: [{ path: 'folder', message: 'Required' }] }
    electron.ipcMain.handle(`${IPC_PREFIX}getJob`, () => ({ ok: false, error }))
    const transport = createIpcTransport(bridge)
    const thrown = await transport.api.getJob({ id: 'X' }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(ApiError)
    expect(thrown).toMatchObject(error)
    electron.ipcMain.removeHandler(`${IPC_PREFIX}getJob`)
  })

  it('opens and reveals a document through their own channels, an error reply a thrown ApiError in the panel', async () => {
    const asked: [string, unknown][] = []
    electron.ipcMain.handle(IPC_DOCUMENT_CHANNELS.open, (_event, path) => (asked.push(['open', path]), { ok: true, value: null }))
    const refusal = { code: 'not_found', message: '/x is not a document in the index' }
    electron.ipcMain.handle(IPC_DOCUMENT_CHANNELS.reveal, (_event, path) => (asked.push(['reveal', path]), { ok: false, error: refusal }))
    const { documents } = createIpcTransport(bridge)
    await documents!.open('/docs/a.pdf')
    await expect(documents!.reveal('/x')).rejects.toMatchObject({ name: 'ApiError', ...refusal })
    expect(asked).toEqual([
      ['open', '/docs/a.pdf'],
      ['reveal', '/x'],
    ])
    for (const channel of Object.values(IPC_DOCUMENT_CHANNELS)) electron.ipcMain.removeHandler(channel)
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
