import { describe, expect, it } from 'vitest'
import { autostartEntry, loginCommand, startsHidden } from '../../../src/main/desktop/login-item'

describe('start at login', () => {
  it('a start at login shows no window: the flag, or macOS saying so', () => {
    expect(startsHidden(['/opt/Offload/offload', '--hidden'], false)).toBe(true)
    expect(startsHidden(['/opt/Offload/offload'], true)).toBe(true)
    expect(startsHidden(['/opt/Offload/offload'], false)).toBe(false)
  })

  it('starts the installed app, the AppImage file rather than its mount, or Electron with the app in development', () => {
    expect(loginCommand({ execPath: '/opt/Offload/offload', appPath: '/opt/Offload/resources/app.asar', packaged: true })).toEqual({
      path: '/opt/Offload/offload',
      args: ['--hidden'],
    })
    expect(loginCommand({ execPath: '/tmp/.mount_OffloadX/offload', appPath: '/x', packaged: true, appImage: '/home/me/Offload.AppImage' })).toEqual({
      path: '/home/me/Offload.AppImage',
      args: ['--hidden'],
    })
    expect(loginCommand({ execPath: '/repo/node_modules/electron/dist/electron', appPath: '/repo', packaged: false })).toEqual({
      path: '/repo/node_modules/electron/dist/electron',
      args: ['/repo', '--hidden'],
    })
  })

  it('the XDG autostart entry quotes its command as the Desktop Entry spec says', () => {
    const entry = autostartEntry({ path: '/home/me/My Apps/Offload "1".AppImage', args: ['--hidden'] })
    expect(entry.split('\n')).toContain('Exec="/home/me/My Apps/Offload \\\\"1\\\\".AppImage" "--hidden"')
    expect(entry.startsWith('[Desktop Entry]\nType=Application\n')).toBe(true)
    expect(autostartEntry({ path: '/opt/100%/$HOME/a\\b', args: [] })).toContain('Exec="/opt/100%%/\\\\$HOME/a\\\\\\\\b"\n')
  })
})
