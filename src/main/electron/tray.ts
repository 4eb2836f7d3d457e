import { Menu, Tray, nativeImage, nativeTheme, type MenuItemConstructorOptions } from 'electron'
import { join } from 'node:path'
import type { Stats } from '../../shared/job'
import { trayMenu, trayTooltip, type TrayAction } from '../desktop/tray-model'

export interface TrayHandle {
  update(stats: Stats): void
  destroy(): void
}

/** The tray icon: a light or dark glyph to match the menu bar, the state in its tooltip, the common actions in its menu. */
export function createTray(resourcesDir: string, stats: Stats, act: (action: TrayAction) => void): TrayHandle {
  const icon = (): Electron.NativeImage => nativeImage.createFromPath(join(resourcesDir, nativeTheme.shouldUseDarkColors ? 'tray-dark.png' : 'tray-light.png'))
  const tray = new Tray(icon())
  let last = ''
  const update = (next: Stats): void => {
    const tooltip = trayTooltip(next)
    const menu = trayMenu(next)
    const key = JSON.stringify([tooltip, menu])
    if (key === last) return
    last = key
    tray.setToolTip(tooltip)
    const template: MenuItemConstructorOptions[] = menu.map((item) =>
      'separator' in item ? { type: 'separator' } : { label: item.label, click: () => act(item.action) },
    )
    tray.setContextMenu(Menu.buildFromTemplate(template))
  }
  const onTheme = (): void => tray.setImage(icon())
  nativeTheme.on('updated', onTheme)
  tray.on('click', () => act('show'))
  update(stats)
  return {
    update,
    destroy: () => {
      nativeTheme.off('updated', onTheme)
      tray.destroy()
    },
  }
}
