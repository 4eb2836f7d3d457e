import { app } from 'electron'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Engine } from '../engine/engine'
import { autostartEntry, loginCommand } from '../desktop/login-item'

/** Whether the OS starts the app when the user logs in. */
export interface LoginItem {
  /** As the OS has it now: the user may have changed it in the system's settings. */
  enabled(): boolean
  set(enabled: boolean): void
  /** Whether this start was the OS's, at login (only macOS says). */
  openedAtLogin(): boolean
}

export function createLoginItem(platform: string): LoginItem {
  const command = loginCommand({ execPath: process.execPath, appPath: app.getAppPath(), packaged: app.isPackaged, appImage: process.env.APPIMAGE })
  if (platform === 'darwin' || platform === 'win32') {
    // Windows matches its entry by path and arguments, so it is asked with the same ones it was given.
    const entry = { path: command.path, args: command.args }
    return {
      enabled: () => app.getLoginItemSettings(entry).openAtLogin,
      set: (openAtLogin) => app.setLoginItemSettings({ openAtLogin, ...entry }),
      openedAtLogin: () => platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin,
    }
  }
  // Electron has no login items elsewhere; Linux desktops start what the XDG autostart folder lists.
  const file = join(app.getPath('appData'), 'autostart', 'offload.desktop')
  return {
    enabled: () => existsSync(file),
    set: (enabled) => {
      if (!enabled) return rmSync(file, { force: true })
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, autostartEntry(command))
    },
    openedAtLogin: () => false,
  }
}

/**
 * Keeps the "Start at login" setting and the OS in step: at start the
 * setting takes what the OS has, then each change of the setting goes to
 * the OS. A change the OS refuses is logged and the setting put back.
 */
export function followLoginItem(engine: Engine, item: LoginItem): { settingsChanged(): void } {
  let applied = item.enabled()
  if (engine.settings().startAtLogin !== applied) engine.updateSettings({ startAtLogin: applied })
  return {
    settingsChanged: () => {
      const wanted = engine.settings().startAtLogin
      if (wanted === applied) return
      try {
        item.set(wanted)
        applied = wanted
      } catch (error) {
        console.error(`offload: could not ${wanted ? 'add Offload to' : 'remove Offload from'} the programs started at login: ${(error as Error).message}`)
        engine.updateSettings({ startAtLogin: applied })
      }
    },
  }
}
