import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { DesktopApp } from '../../../src/main/electron/app'
import { FIXTURE_KINDS, ROOT, waitFor } from '../../helpers'

vi.mock('electron', () => import('../../fakes/electron'))

const electron = await import('../../fakes/electron')
const { runDesktopApp } = await import('../../../src/main/electron/app')

const dataDir = join(electron.app.getPath('appData'), 'Offload')
cpSync(join(FIXTURE_KINDS, 'sleep.mjs'), join(dataDir, 'kinds', 'sleep.mjs'))

let desktop: DesktopApp
const win = () => desktop.window() as unknown as InstanceType<typeof electron.BrowserWindow> | undefined
const tray = () => electron.Tray.instances[0]!
const updateSettings = (patch: Record<string, unknown>) => desktop.host.api.updateSettings(patch)

// Windows, as the fake plays it: login items through app.setLoginItemSettings, a start at login carrying --hidden.
describe('start at login (fake electron, win32)', () => {
  it('takes the OS’s word at start, and a start at login opens no window, only the tray', async () => {
    electron.app.loginItemCalls.push({ openAtLogin: true })
    desktop = (await runDesktopApp(
      {
        preload: join(ROOT, 'out', 'preload', 'index.cjs'),
        rendererFile: join(ROOT, 'out', 'renderer', 'index.html'),
        workerEntry: join(ROOT, 'src', 'main', 'worker', 'index.ts'),
        resources: join(ROOT, 'resources'),
      },
      { argv: [process.execPath, ROOT, '--hidden'], platform: 'win32' },
    ))!
    expect(desktop.host.engine.settings().startAtLogin).toBe(true)
    expect(win()).toBeUndefined()
    expect(electron.BrowserWindow.instances).toHaveLength(0)
    expect(tray().destroyed).toBe(false)
  })

  it('the setting goes to app.setLoginItemSettings, with --hidden for the start it makes', async () => {
    electron.app.loginItemCalls.length = 0
    expect(updateSettings({ startAtLogin: false })).toMatchObject({ startAtLogin: false })
    expect(updateSettings({ startAtLogin: true })).toMatchObject({ startAtLogin: true })
    // Other settings leave the login item alone.
    updateSettings({ closeToTray: false })
    updateSettings({ closeToTray: true })
    expect(electron.app.loginItemCalls).toEqual([
      { openAtLogin: false, path: process.execPath, args: [ROOT, '--hidden'] },
      { openAtLogin: true, path: process.execPath, args: [ROOT, '--hidden'] },
    ])
  })

  it('a login item the OS refuses is logged and the setting put back', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const refuse = vi.spyOn(electron.app, 'setLoginItemSettings').mockImplementation(() => {
      throw new Error('Access is denied.')
    })
    try {
      updateSettings({ startAtLogin: false })
      expect(desktop.host.engine.settings().startAtLogin).toBe(true)
      expect(error).toHaveBeenCalledWith(expect.stringContaining('could not remove Offload from the programs started at login: Access is denied.'))
    } finally {
      refuse.mockRestore()
      error.mockRestore()
    }
  })

  it('the window appears when asked for: from the tray, or by launching again', async () => {
    tray().emit('click')
    expect(win()!.visible).toBe(true)
    win()!.hide()
    electron.app.emit('second-instance')
    expect(win()!.visible).toBe(true)
    electron.app.quit()
    await waitFor(() => electron.app.quitted, 'the app to quit', 15_000)
  })
})
