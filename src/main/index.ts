import { app, BrowserWindow } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openHost, type Host } from './engine/host'
import { createUtilityLauncher } from './electron/utility-launcher'
import { registerIpc } from './electron/ipc'

/**
 * Electron main process: hosts the engine with utilityProcess workers and
 * shows the panel. Kept thin; the engine does the work.
 */
const SHUTDOWN_GRACE_MS = 10_000
let host: Host | undefined

function electronNativeBinding(): string | undefined {
  // Built for Electron's ABI by scripts/prepare-electron.mjs; node_modules keeps Node's build for tests.
  const file = join(app.getAppPath(), '.electron-native', 'better_sqlite3.node')
  return existsSync(file) ? file : undefined
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1100,
    height: 720,
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'))
}

app.whenReady().then(async () => {
  const nativeBinding = electronNativeBinding()
  host = await openHost({
    dataDir: app.getPath('userData'),
    launcher: createUtilityLauncher(join(import.meta.dirname, 'worker.js')),
    ...(nativeBinding ? { nativeBinding } : {}),
  })
  registerIpc(host)
  createWindow()
})

let quitting = false
app.on('before-quit', (event) => {
  if (quitting || !host) return
  event.preventDefault()
  quitting = true
  void host.close(SHUTDOWN_GRACE_MS).finally(() => app.quit())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})
