/**
 * A stand-in for the `electron` module (the binary cannot run here). It keeps
 * Electron's shapes and records what the code asked of it, so tests can
 * assert on window options, handlers, tray text, notifications and quits.
 * Load it with: vi.mock('electron', () => import('../../fakes/electron')).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { WORKER } from '../helpers'

type Listener = (...args: any[]) => void

class PreventableEvent {
  defaultPrevented = false
  preventDefault(): void {
    this.defaultPrevented = true
  }
}

// ── app ───────────────────────────────────────────────────────────────────

interface LoginItemSettings {
  openAtLogin?: boolean
  path?: string
  args?: string[]
}

class FakeApp extends EventEmitter {
  /** Like Electron's: userData starts as appData plus the name in package.json. */
  readonly paths: Record<string, string> = (() => {
    const appData = mkdtempSync(join(tmpdir(), 'offload-electron-'))
    return { appData, userData: join(appData, 'offload') }
  })()
  singleInstance = true
  isPackaged = false
  quitCalls = 0
  quitted = false
  /** What setLoginItemSettings was given, in order; getLoginItemSettings answers from the last. */
  readonly loginItemCalls: LoginItemSettings[] = []
  /** What macOS says of this start. */
  wasOpenedAtLogin = false

  get userData(): string {
    return this.paths.userData!
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstance
  }
  whenReady(): Promise<void> {
    return Promise.resolve()
  }
  getPath(name: string): string {
    const path = this.paths[name]
    if (!path) throw new Error(`fake app.getPath: ${name} not faked`)
    return path
  }
  setPath(name: string, path: string): void {
    if (!isAbsolute(path)) throw new Error('Path must be absolute')
    this.paths[name] = path
  }
  setLoginItemSettings(settings: LoginItemSettings): void {
    this.loginItemCalls.push(settings)
  }
  getLoginItemSettings(_options?: { path?: string; args?: string[] }): { openAtLogin: boolean; wasOpenedAtLogin: boolean } {
    return { openAtLogin: this.loginItemCalls.at(-1)?.openAtLogin ?? false, wasOpenedAtLogin: this.wasOpenedAtLogin }
  }
  getAppPath(): string {
    return process.cwd()
  }
  /** Like Electron: before-quit may be prevented; otherwise the app quits. */
  quit(): void {
    this.quitCalls++
    const event = new PreventableEvent()
    this.emit('before-quit', event)
    if (!event.defaultPrevented) this.quitted = true
  }
}
export const app = new FakeApp()

// ── windows and web contents ──────────────────────────────────────────────

export class FakeFrame {
  constructor(public url: string) {}
}

export class FakeWebContents extends EventEmitter {
  readonly sent: { channel: string; args: unknown[] }[] = []
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | undefined
  readonly mainFrame = new FakeFrame('about:blank')
  private destroyed = false

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args })
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  destroy(): void {
    this.destroyed = true
    this.emit('destroyed')
  }
  /** Emits a navigation attempt; says whether the app prevented it. */
  tryNavigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
    const e = new PreventableEvent()
    this.emit(event, e, url)
    return e.defaultPrevented
  }
}

export class BrowserWindow extends EventEmitter {
  static instances: BrowserWindow[] = []
  readonly webContents = new FakeWebContents()
  visible = false
  focused = false
  minimized = false
  loaded: string | undefined
  private destroyed = false

  constructor(readonly options: Record<string, any>) {
    super()
    BrowserWindow.instances.push(this)
    app.emit('web-contents-created', {}, this.webContents)
  }
  async loadFile(file: string): Promise<void> {
    this.loaded = `file://${file}`
    this.webContents.mainFrame.url = this.loaded
    this.emit('ready-to-show')
  }
  async loadURL(url: string): Promise<void> {
    this.loaded = url
    this.webContents.mainFrame.url = url
    this.emit('ready-to-show')
  }
  show(): void {
    this.visible = true
  }
  hide(): void {
    this.visible = false
  }
  focus(): void {
    this.focused = true
  }
  restore(): void {
    this.minimized = false
  }
  isMinimized(): boolean {
    return this.minimized
  }
  isVisible(): boolean {
    return this.visible
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  /** Like a click on the close button: 'close' may be prevented, else the window goes. */
  close(): void {
    const event = new PreventableEvent()
    this.emit('close', event)
    if (event.defaultPrevented) return
    this.destroyed = true
    this.visible = false
    this.webContents.destroy()
    this.emit('closed')
    if (BrowserWindow.instances.every((w) => w.isDestroyed())) app.emit('window-all-closed')
  }
}

export const webContents = {
  getAllWebContents: (): FakeWebContents[] => BrowserWindow.instances.filter((w) => !w.isDestroyed()).map((w) => w.webContents),
}

// ── IPC ───────────────────────────────────────────────────────────────────

type Handler = (event: { sender: FakeWebContents; senderFrame: FakeFrame | null }, ...args: unknown[]) => unknown

class FakeIpcMain {
  readonly handlers = new Map<string, Handler>()
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, handler)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  /** What ipcRenderer.invoke does, from the given page and frame. */
  async invoke(channel: string, from: { sender: FakeWebContents; senderFrame: FakeFrame | null }, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel)
    if (!handler) throw new Error(`No handler registered for '${channel}'`)
    return handler(from, ...args)
  }
}
export const ipcMain = new FakeIpcMain()

class FakeIpcRenderer extends EventEmitter {
  /** The page the preload runs in, as the main process sees it. */
  page = new FakeWebContents()
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return ipcMain.invoke(channel, { sender: this.page, senderFrame: this.page.mainFrame }, ...args)
  }
}
export const ipcRenderer = new FakeIpcRenderer()

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed.set(key, api)
  },
}

// ── tray, menus, images, theme ────────────────────────────────────────────

export const nativeImage = { createFromPath: (path: string) => ({ path }) }

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false })

export const Menu = {
  buildFromTemplate: (template: { label?: string; type?: string; click?: () => void }[]) => ({ items: template }),
}

export class Tray extends EventEmitter {
  static instances: Tray[] = []
  tooltip = ''
  menu: { items: { label?: string; type?: string; click?: () => void }[] } | undefined
  destroyed = false
  constructor(public image: { path: string }) {
    super()
    Tray.instances.push(this)
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip
  }
  setContextMenu(menu: Tray['menu']): void {
    this.menu = menu
  }
  setImage(image: { path: string }): void {
    this.image = image
  }
  destroy(): void {
    this.destroyed = true
  }
  /** Clicks the menu item with this label. */
  clickItem(label: string): void {
    const item = this.menu?.items.find((i) => i.label === label)
    if (!item?.click) throw new Error(`No tray menu item "${label}"; items: ${this.menu?.items.map((i) => i.label).join(', ')}`)
    item.click()
  }
}

// ── notifications, dialogs, power, session, shell ────────────────────────

export class Notification extends EventEmitter {
  static instances: Notification[] = []
  static isSupported(): boolean {
    return true
  }
  shown = false
  constructor(readonly options: { title: string; body: string }) {
    super()
    Notification.instances.push(this)
  }
  show(): void {
    this.shown = true
  }
}

export const dialog = {
  messageBoxes: [] as Record<string, unknown>[],
  errorBoxes: [] as [string, string][],
  /** The button index the next message boxes answer with. */
  answer: 0,
  async showMessageBox(options: Record<string, unknown>): Promise<{ response: number }> {
    this.messageBoxes.push(options)
    return { response: this.answer }
  },
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push([title, content])
  },
}

export const powerMonitor = Object.assign(new EventEmitter(), {
  onBattery: false,
  /** Seconds since the last keyboard or mouse input; a long while by default, so the user is away. */
  idleSeconds: 3600,
  isOnBatteryPower(): boolean {
    return this.onBattery
  },
  getSystemIdleTime(): number {
    return this.idleSeconds
  },
})

export const session = {
  defaultSession: {
    permissionRequestHandler: undefined as Listener | undefined,
    permissionCheckHandler: undefined as Listener | undefined,
    headersHandler: undefined as Listener | undefined,
    setPermissionRequestHandler(handler: Listener): void {
      this.permissionRequestHandler = handler
    },
    setPermissionCheckHandler(handler: Listener): void {
      this.permissionCheckHandler = handler
    },
    webRequest: {
      onHeadersReceived(handler: Listener): void {
        session.defaultSession.headersHandler = handler
      },
    },
  },
}

export const shell = {
  opened: [] as string[],
  /** Files given to openPath and showItemInFolder, in order. */
  openedPaths: [] as string[],
  revealed: [] as string[],
  /** What openPath answers: Electron's error text, '' for success. */
  openPathAnswer: '',
  async openExternal(url: string): Promise<void> {
    this.opened.push(url)
  },
  async openPath(path: string): Promise<string> {
    this.openedPaths.push(path)
    return this.openPathAnswer
  },
  showItemInFolder(path: string): void {
    this.revealed.push(path)
  },
}

// ── utilityProcess, backed by child_process.fork ─────────────────────────

/**
 * Behaves like Electron's UtilityProcess, for real: a Node child process
 * runs the given module (TypeScript through tsx), messages go both ways,
 * exit codes and kill are real, and the app hears 'child-process-gone'.
 */
class FakeUtilityProcess extends EventEmitter {
  readonly child: ChildProcess
  constructor(modulePath: string, args: string[], options: { serviceName?: string; env?: Record<string, string | undefined>; stdio?: string }) {
    super()
    this.child = fork(modulePath, args, {
      execArgv: modulePath.endsWith('.ts') ? WORKER.execArgv : [],
      env: options.env ?? process.env,
      stdio: options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe', 'ipc'] : 'inherit',
    })
    this.child.on('spawn', () => this.emit('spawn'))
    this.child.on('message', (message) => this.emit('message', message))
    this.child.on('exit', (code, signal) => {
      if (code !== 0) {
        app.emit('child-process-gone', {}, { type: 'Utility', serviceName: options.serviceName, reason: signal ? 'killed' : 'crashed', exitCode: code ?? -1 })
      }
      this.emit('exit', code ?? 1)
    })
  }
  get pid(): number | undefined {
    return this.child.pid
  }
  get stdout() {
    return this.child.stdout
  }
  get stderr() {
    return this.child.stderr
  }
  postMessage(message: unknown): void {
    if (this.child.connected) this.child.send(message as object)
  }
  kill(): boolean {
    return this.child.kill()
  }
}

export const utilityProcess = {
  forked: [] as FakeUtilityProcess[],
  fork(modulePath: string, args: string[] = [], options: ConstructorParameters<typeof FakeUtilityProcess>[2] = {}): FakeUtilityProcess {
    const child = new FakeUtilityProcess(modulePath, args, options)
    this.forked.push(child)
    return child
  },
}

export default {
  app,
  BrowserWindow,
  webContents,
  ipcMain,
  ipcRenderer,
  contextBridge,
  nativeImage,
  nativeTheme,
  Menu,
  Tray,
  Notification,
  dialog,
  powerMonitor,
  session,
  shell,
  utilityProcess,
}
