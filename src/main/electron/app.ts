import { app, BrowserWindow, dialog, Notification } from 'electron'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ApiHandlers, OffloadEvent } from '../../shared/api'
import { DESKTOP_FOLDER_NAME } from '../../shared/desktop-data-folder'
import type { MachineProbes } from '../engine/admission'
import { dataPaths, DataFolderError } from '../engine/data-folder'
import { createIndexedCheck } from '../engine/document-search'
import { DatabaseOpenError } from '../engine/database'
import { openHost, type Host } from '../engine/host'
import { onWindowClose, quitQuestion } from '../desktop/lifecycle'
import { joinRedis } from '../backends/bullmq/redis-join'
import { startsHidden } from '../desktop/login-item'
import { storageNotice } from '../desktop/storage-notice'
import type { TrayAction } from '../desktop/tray-model'
import { registerDocumentHandlers } from './documents'
import { registerIpcHandlers, streamEventsTo } from './ipc'
import { followLocalApi, type LocalApiSwitch } from './local-api'
import { createLoginItem, followLoginItem } from './login-item'
import { createJobNotifier } from './notifications'
import { followPower } from './power'
import { hardenApp, secureWebPreferences } from './security'
import { createTray } from './tray'
import { createUtilityLauncher } from './utility-launcher'

/** Running jobs get this long to finish when the user quits; the rest are requeued for next start. */
export const QUIT_GRACE_MS = 5000

export interface DesktopPaths {
  preload: string
  rendererFile: string
  /** The dev server, in development only. */
  rendererUrl?: string
  workerEntry: string
  /** Folder with the tray icons. */
  resources: string
  /** better-sqlite3 built for Electron, when node_modules holds Node's build (development). */
  nativeBinding?: string
}

/** How this process was started. */
export interface DesktopLaunch {
  argv: readonly string[]
  platform: string
}

/** What tests set in place of the real machine. */
export interface DesktopTuning {
  machine?: MachineProbes
}

export interface DesktopApp {
  host: Host
  /** What the panel is served: this computer's queue, or a shared one on Redis (the `redis` setting). */
  panelHandlers: ApiHandlers
  localApi: LocalApiSwitch
  window(): BrowserWindow | undefined
}

/**
 * The data folder, named the same in development (where Electron would name
 * it "offload", after package.json) as packaged ("Offload", the product
 * name), so the command line finds it by desktopDataFolder(). Set before
 * the single-instance lock, which lives in it.
 */
function useDesktopDataFolder(): string {
  const folder = join(app.getPath('appData'), DESKTOP_FOLDER_NAME)
  try {
    // Electron documents that setPath may throw for a folder that does not exist yet.
    mkdirSync(folder, { recursive: true })
  } catch {
    // Opening the data says why, in a dialog.
  }
  app.setPath('userData', folder)
  return folder
}

/**
 * The desktop shell around the engine: one instance, one window that can
 * hide in the tray while work goes on, notifications, power awareness, the
 * local API for scripts, start at login (in the tray), and a graceful quit.
 * Returns undefined when another instance already runs (that one is
 * brought forward instead) or the data cannot be opened.
 */
export async function runDesktopApp(paths: DesktopPaths, launch: DesktopLaunch, tuning: DesktopTuning = {}): Promise<DesktopApp | undefined> {
  const dataDir = useDesktopDataFolder()
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return undefined
  }
  let window: BrowserWindow | undefined
  let quitting = false
  let asking = false
  const appUrl = (): string => paths.rendererUrl ?? pathToFileURL(paths.rendererFile).href
  const revealListeners = new Set<(event: OffloadEvent) => void>()

  const showWindow = (): void => {
    if (!window || window.isDestroyed()) window = createWindow()
    if (window.isMinimized()) window.restore()
    window.show()
    window.focus()
  }
  app.on('second-instance', showWindow)
  app.on('activate', showWindow)

  await app.whenReady()
  hardenApp()
  let host: Host
  try {
    host = await openHost({
      dataDir,
      launcher: createUtilityLauncher(paths.workerEntry),
      ...(paths.nativeBinding ? { nativeBinding: paths.nativeBinding } : {}),
      ...(tuning.machine ? { machine: tuning.machine } : {}),
    })
  } catch (error) {
    if (!(error instanceof DatabaseOpenError || error instanceof DataFolderError)) throw error
    dialog.showErrorBox('Offload cannot open its data', error.message)
    app.quit()
    return undefined
  }
  const { engine } = host
  // The command line and scripts (the local API) keep reaching this computer's own queue.
  const joined = await joinRedis(engine.settings().redis, host, {
    dataDir,
    launcher: createUtilityLauncher(paths.workerEntry),
    ...(paths.nativeBinding ? { nativeBinding: paths.nativeBinding } : {}),
  })
  if (joined.said && Notification.isSupported()) new Notification({ title: 'Offload and Redis', body: joined.said }).show()

  /** The panel's queue's events plus the shell's own (reveal), as one stream per window. */
  const subscribe = (listener: (event: OffloadEvent) => void): (() => void) => {
    const unsubscribe = joined.subscribe(listener)
    revealListeners.add(listener)
    return () => {
      unsubscribe()
      revealListeners.delete(listener)
    }
  }

  const disposeIpc = registerIpcHandlers(joined.handlers, appUrl)
  const disposeDocuments = registerDocumentHandlers(createIndexedCheck(dataPaths(dataDir).state, paths.nativeBinding), appUrl)
  const power = followPower(engine, () => host.schedules.check())
  const localApi = followLocalApi({ dataDir, host, ...(existsSync(paths.rendererFile) ? { rendererDir: dirname(paths.rendererFile) } : {}) })
  const loginItem = createLoginItem(launch.platform)
  const startAtLogin = followLoginItem(engine, loginItem)
  const notifier = createJobNotifier(
    () => engine.settings(),
    (target) => {
      showWindow()
      for (const listener of revealListeners) listener({ type: 'reveal', ...target })
    },
  )
  const act = (action: TrayAction): void => {
    if (action === 'show') showWindow()
    else if (action === 'pause') engine.pause()
    else if (action === 'resume') engine.resume()
    else app.quit()
  }
  const tray = createTray(paths.resources, engine.stats(), act)
  let storageStatus = engine.stats().storage.status
  engine.subscribe((event) => {
    if (event.type === 'jobs') notifier.jobsChanged(event.jobs)
    else if (event.type === 'stats') tray.update(event.stats)
    else if (event.type === 'settings') {
      power.settingsChanged()
      localApi.settingsChanged()
      startAtLogin.settingsChanged()
    } else if (event.type === 'storage') {
      // Whatever the notification settings: the user must hear that nothing can be saved.
      const notice = storageNotice(storageStatus, event.storage)
      storageStatus = event.storage.status
      if (notice && Notification.isSupported()) new Notification({ title: notice.title, body: notice.body }).show()
    }
  })

  function createWindow(): BrowserWindow {
    const win = new BrowserWindow({
      width: 1100,
      height: 720,
      minWidth: 640,
      minHeight: 400,
      show: false,
      title: 'Offload',
      webPreferences: secureWebPreferences(paths.preload),
    })
    win.once('ready-to-show', () => win.show())
    win.on('close', (event) => {
      const { running, queued } = engine.stats().counts
      if (onWindowClose({ quitting, closeToTray: engine.settings().closeToTray, activeJobs: running + queued }) === 'hide') {
        event.preventDefault()
        win.hide()
      }
    })
    streamEventsTo(win.webContents, subscribe)
    if (paths.rendererUrl) void win.loadURL(paths.rendererUrl)
    else void win.loadFile(paths.rendererFile)
    return win
  }

  app.on('before-quit', (event) => {
    if (quitting) return
    event.preventDefault()
    // Quit from the tray, the menu and the OS may all arrive while the question is open: ask once.
    if (asking) return
    asking = true
    void (async () => {
      const { running, queued } = engine.stats().counts
      const question = quitQuestion(running, queued)
      if (question) {
        const { response } = await dialog.showMessageBox({
          type: 'question',
          buttons: ['Quit', 'Cancel'],
          defaultId: 0,
          cancelId: 1,
          message: question.message,
          detail: question.detail,
        })
        if (response !== 0) {
          asking = false
          return
        }
      }
      quitting = true
      tray.destroy()
      notifier.dispose()
      power.dispose()
      disposeIpc()
      disposeDocuments()
      await localApi.close()
      await joined.close()
      await host.close(QUIT_GRACE_MS)
      // Only now: until the database is closed, a headless server must still find this app and refuse the folder.
      localApi.removeInfo()
      app.quit()
    })()
  })

  app.on('window-all-closed', () => {
    if (launch.platform !== 'darwin') app.quit()
  })

  if (!startsHidden(launch.argv, loginItem.openedAtLogin())) showWindow()
  return { host, panelHandlers: joined.handlers, localApi, window: () => window }
}
