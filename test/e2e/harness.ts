import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { ServerInfo } from '../../src/shared/server-info'
import { FIXTURE_KINDS, ROOT, waitForServerInfo } from '../helpers'

const CHROMIUM = '/usr/bin/chromium'
export const SHOTS = join(ROOT, 'test-results', 'screenshots')
const SERVE = join(ROOT, 'src', 'main', 'headless', 'serve.ts')

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/**
 * `npm run serve` on a data folder of its own and Debian's Chromium on its
 * panel, for one test file: the folder lives as long as the file's tests.
 */
export class PanelHarness {
  browser!: Browser
  page!: Page
  info!: ServerInfo
  dataDir = ''
  private server: ChildProcess | undefined
  private port = 0
  private serveArgs: string[] = []

  /** `init` runs in the page before its own scripts (stubs for browser APIs). */
  /** `serve` takes `serveArgs` besides its data folder and port (`--redis URL`). */
  async open(options: { kinds?: string[]; viewport?: { width: number; height: number }; init?: string; serveArgs?: string[] } = {}): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does this)`)
    mkdirSync(SHOTS, { recursive: true })
    this.dataDir = mkdtempSync(join(tmpdir(), 'offload-e2e-'))
    for (const kind of options.kinds ?? ['sleep.mjs']) cpSync(join(FIXTURE_KINDS, kind), join(this.dataDir, 'kinds', kind))
    this.port = await freePort()
    this.serveArgs = options.serveArgs ?? []
    await this.startServer()
    // The other tests load this box: its real load must not throttle the panel's tests (those of the throttle turn it on).
    await this.api('PUT', '/api/settings', { adaptiveConcurrency: false })
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
    this.page = await this.browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 760 } })
    this.page.setDefaultTimeout(10_000)
    if (options.init) await this.page.addInitScript(options.init)
    this.page.on('pageerror', (e) => console.error('pageerror', e.stack))
    this.page.on('console', (m) => m.type() === 'error' && console.error('console', m.text()))
    await this.page.goto(`${this.info.url}/?token=${this.info.token}`)
    await this.page.getByText('Connected').waitFor()
  }

  async startServer(): Promise<void> {
    const args = ['--import', 'tsx', SERVE, '--data', this.dataDir, '--port', String(this.port), '--grace', '0', ...this.serveArgs]
    this.server = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore' })
    this.info = await waitForServerInfo(this.dataDir, this.server)
  }

  async stopServer(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const server = this.server
    if (!server || server.exitCode !== null || server.signalCode !== null) return
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill(signal)
    await exited
  }

  async close(): Promise<void> {
    await this.browser?.close()
    await this.stopServer()
    rmSync(this.dataDir, { recursive: true, force: true })
  }

  async api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.info.url + path, {
      method,
      headers: { authorization: `Bearer ${this.info.token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return (await res.json()) as T
  }

  row(name: string) {
    return this.page.locator('[role="row"][data-job-id]', { hasText: name })
  }

  shot(name: string) {
    return this.page.screenshot({ path: join(SHOTS, `${name}.png`) })
  }
}

/** Reads until `ok` holds (10 s at most), for what the server does in its own time. */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  for (let waited = 0; ; waited += 100) {
    const value = await read()
    if (ok(value)) return value
    if (waited > 10_000) throw new Error(`Waited in vain for ${what}: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
