import { describe, expect, it } from 'vitest'
import { desktopDataFolder } from '../../src/shared/desktop-data-folder'

describe('the desktop app’s data folder, without Electron', () => {
  it('on Linux: XDG_CONFIG_HOME/Offload when set and not empty, else ~/.config/Offload', () => {
    expect(desktopDataFolder({ platform: 'linux', env: {}, home: '/home/me' })).toBe('/home/me/.config/Offload')
    expect(desktopDataFolder({ platform: 'linux', env: { XDG_CONFIG_HOME: '' }, home: '/home/me' })).toBe('/home/me/.config/Offload')
    expect(desktopDataFolder({ platform: 'linux', env: { XDG_CONFIG_HOME: '/data/config/' }, home: '/home/me' })).toBe('/data/config/Offload')
    expect(desktopDataFolder({ platform: 'freebsd', env: {}, home: '/usr/home/me/' })).toBe('/usr/home/me/.config/Offload')
    expect(desktopDataFolder({ platform: 'linux', env: {}, home: '/' })).toBe('/.config/Offload')
  })

  it('on macOS: ~/Library/Application Support/Offload, whatever XDG says', () => {
    expect(desktopDataFolder({ platform: 'darwin', env: { XDG_CONFIG_HOME: '/x' }, home: '/Users/me' })).toBe('/Users/me/Library/Application Support/Offload')
  })

  it('on Windows: %APPDATA%\\Offload, else the roaming folder under the profile', () => {
    const env = { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }
    expect(desktopDataFolder({ platform: 'win32', env, home: 'C:\\Users\\me' })).toBe('C:\\Users\\me\\AppData\\Roaming\\Offload')
    expect(desktopDataFolder({ platform: 'win32', env: { APPDATA: 'D:\\' }, home: 'C:\\Users\\me' })).toBe('D:\\Offload')
    expect(desktopDataFolder({ platform: 'win32', env: {}, home: 'C:\\Users\\me' })).toBe('C:\\Users\\me\\AppData\\Roaming\\Offload')
  })
})
