import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { METHOD_NAMES, type OffloadEvent } from '../../../src/shared/api'
import { CONTENT_SECURITY_POLICY } from '../../../src/shared/content-security-policy'
import { desktopDataFolder } from '../../../src/shared/desktop-data-folder'
import { IPC_DOCUMENT_CHANNELS, IPC_EVENT_CHANNEL, IPC_PREFIX } from '../../../src/shared/methods'
import type { ServerInfo } from '../../../src/shared/server-info'
import type { DesktopApp } from '../../../src/main/electron/app'
import { fillIndex, SAMPLE_DOCUMENTS } from '../../documents-index'
import { CALM_MACHINE, exited, FIXTURE_KINDS, ROOT, serve, waitFor, waitForStatus } from '../../helpers'

vi.mock('electron', () => import('../../fakes/electron'))

const electron = await import('../../fakes/electron')
const { runDesktopApp } = await import('../../../src/main/electron/app')
const { cpSync } = await import('node:fs')

const appData = electron.app.getPath('appData')
const dataDir = join(appData, 'Offload')
const serverFile = join(dataDir, 'server.json')
cpSync(join(FIXTURE_KINDS, 'sleep.mjs'), join(dataDir, 'kinds', 'sleep.mjs'))

const rendererFile = join(ROOT, 'out', 'renderer', 'index.html')
let desktop: DesktopApp

async function start(): Promise<DesktopApp> {
  desktop = (await runDesktopApp(
    {
      preload: join(ROOT, 'out', 'preload', 'index.cjs'),
      rendererFile,
      workerEntry: join(ROOT, 'src', 'main', 'worker', 'index.ts'),
      resources: join(ROOT, 'resources'),
    },
    { argv: [process.execPath, ROOT], platform: process.platform },
    { machine: CALM_MACHINE },
  ))!
  return desktop
}

/** The desktop app's server.json, once its local API has settled. */
async function serverInfo(): Promise<ServerInfo | undefined> {
  await desktop.localApi.settled()
  return existsSync(serverFile) ? (JSON.parse(readFileSync(serverFile, 'utf8')) as ServerInfo) : undefined
}

const getStats = (info: ServerInfo, token = info.token) => fetch(`${info.url}/api/stats`, { headers: { authorization: `Bearer ${token}` } })
const setLocalApi = (localApi: boolean) => call('updateSettings', { localApi })

/** The window, as the fake it is. */
const win = () => desktop.window() as unknown as InstanceType<typeof electron.BrowserWindow>
const appFrame = () => ({ sender: win().webContents, senderFrame: win().webContents.mainFrame })
const call = (
  method: string,
  input: unknown,
  from: { sender: InstanceType<typeof electron.FakeWebContents>; senderFrame: InstanceType<typeof electron.FakeFrame> | null } = appFrame(),
) => electron.ipcMain.invoke(`${IPC_PREFIX}${method}`, from, input)

function sentEvents(): OffloadEvent[][] {
  return win()
    .webContents.sent.filter((s) => s.channel === IPC_EVENT_CHANNEL)
    .map((s) => s.args[0] as OffloadEvent[])
}

afterEach(() => {
  electron.dialog.answer = 0
})

// One app per file, as in real life; the tests run in order against it.
describe('the desktop shell (fake electron)', () => {
  it('starts a window with the security checklist applied', async () => {
    await start()
    expect(win().options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: join(ROOT, 'out', 'preload', 'index.cjs'),
    })
    const contents = win().webContents
    expect(win().visible).toBe(true)
    expect(win().loaded).toBe(`file://${rendererFile}`)
    expect(contents.tryNavigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(contents.tryNavigate('will-redirect', 'file:///etc/passwd')).toBe(true)
    expect(contents.windowOpenHandler!({ url: 'https://offload.app/help' })).toEqual({ action: 'deny' })
    expect(contents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(contents.windowOpenHandler!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    expect(electron.shell.opened).toEqual(['https://offload.app/help'])
    const permission = vi.fn()
    electron.session.defaultSession.permissionRequestHandler!({}, 'media', permission)
    expect(permission).toHaveBeenCalledWith(false)
    expect(electron.session.defaultSession.permissionCheckHandler!({}, 'notifications')).toBe(false)
    const headers = vi.fn()
    electron.session.defaultSession.headersHandler!({ responseHeaders: {} }, headers)
    expect(headers.mock.calls[0]![0].responseHeaders['Content-Security-Policy'][0]).toBe(CONTENT_SECURITY_POLICY)
  })

  it('registers exactly the contract methods over IPC, and opening and revealing a document', async () => {
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(
      [...METHOD_NAMES.map((m) => `${IPC_PREFIX}${m}`), ...Object.values(IPC_DOCUMENT_CHANNELS)].sort(),
    )
  })

  it('keeps its data in appData/Offload, where the command line looks (not appData/offload, after package.json)', async () => {
    expect(electron.app.getPath('userData')).toBe(dataDir)
    expect(desktopDataFolder({ platform: 'linux', env: { XDG_CONFIG_HOME: appData }, home: '/nowhere' })).toBe(dataDir)
    expect(existsSync(join(dataDir, 'offload.db'))).toBe(true)
  })

  it('serves the local API for scripts: server.json (0600) says where, and its token opens it', async () => {
    expect(desktop.host.engine.settings().localApi).toBe(true)
    const info = (await serverInfo())!
    expect(info).toMatchObject({ url: `http://127.0.0.1:${info.port}`, pid: process.pid })
    expect(statSync(serverFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dataDir, 'token'), 'utf8')).toBe(info.token)
    const stats = await getStats(info)
    expect(stats.status).toBe(200)
    expect(await stats.json()).toMatchObject({ paused: false, counts: { queued: 0 } })
    expect((await getStats(info, 'x'.repeat(43))).status).toBe(401)
    // The panel too, for `offload open`.
    const panel = await fetch(`${info.url}/?token=${info.token}`)
    expect([panel.status, panel.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8'])
    expect(await panel.text()).toContain('<div id="root">')
  })

  it('"Allow scripts and the command line" off stops the server and removes server.json; on starts it again', async () => {
    const before = (await serverInfo())!
    expect(await setLocalApi(false)).toMatchObject({ ok: true, value: { localApi: false } })
    expect(await serverInfo()).toBeUndefined()
    await expect(getStats(before)).rejects.toThrow()
    expect(await setLocalApi(true)).toMatchObject({ ok: true, value: { localApi: true } })
    const after = (await serverInfo())!
    expect(after.token).toBe(before.token)
    expect((await getStats(after)).status).toBe(200)
  })

  it('a script may turn it off through the API itself: it gets its answer, and the server stops at once', async () => {
    const info = (await serverInfo())!
    const started = Date.now()
    const res = await fetch(`${info.url}/api/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ localApi: false }),
    })
    expect([res.status, ((await res.json()) as { localApi: boolean }).localApi]).toEqual([200, false])
    expect(await serverInfo()).toBeUndefined()
    // Not after its keep-alive connection idles out (seconds).
    expect(Date.now() - started).toBeLessThan(1500)
    await setLocalApi(true)
    expect(await serverInfo()).toMatchObject({ pid: process.pid })
  })

  it("keeps its data folder to itself: a headless server refuses it, whether the app's local API is on or off", async () => {
    const refused = serve(['--data', dataDir, '--port', '0'])
    expect(await exited(refused)).toBe(1)
    expect(refused.output()).toContain(`Offload is already serving this data folder (pid ${process.pid})`)

    // With no server.json to go by, the data folder's lock still says who has it: two engines never share one database.
    await setLocalApi(false)
    await desktop.localApi.settled()
    expect(await serverInfo()).toBeUndefined()
    const second = serve(['--data', dataDir, '--port', '0'])
    expect(await exited(second)).toBe(1)
    expect(second.output()).toContain(`Offload is already using the data folder ${dataDir} (pid ${process.pid})`)

    await setLocalApi(true)
    const info = (await serverInfo())!
    expect(info.pid).toBe(process.pid)
    expect((await getStats(info)).status).toBe(200)
  })

  it('answers the app page, refuses other senders and bad payloads with typed errors', async () => {
    expect(await call('getStats', {})).toMatchObject({ ok: true, value: { paused: false } })
    expect(await call('getStats', undefined)).toMatchObject({ ok: true })
    const foreignPage = new electron.FakeWebContents()
    foreignPage.mainFrame.url = 'https://evil.example/'
    expect(await call('getStats', {}, { sender: foreignPage, senderFrame: foreignPage.mainFrame })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    })
    const iframe = new electron.FakeFrame(win().webContents.mainFrame.url)
    expect(await call('getStats', {}, { sender: win().webContents, senderFrame: iframe })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect(await call('getStats', {}, { sender: win().webContents, senderFrame: null })).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    for (const bad of [42, 'x', [], { kind: 7 }, { kind: 'nope' }, { kind: 'sleep', params: { ms: 'x' } }]) {
      const reply = (await call('createJob', bad)) as { ok: boolean; error: { code: string } }
      expect(reply.ok).toBe(false)
      expect(['invalid_input', 'unknown_kind', 'invalid_params']).toContain(reply.error.code)
    }
    expect(await call('getJob', { id: '01J00000000000000000000000' })).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(desktop.host.engine.stats().counts.queued).toBe(0)
  })

  it('opens or reveals a document of the index for its own page only, and refuses any other path', async () => {
    const folder = join(appData, 'letters')
    mkdirSync(folder)
    const letter = join(folder, 'harbour.txt')
    writeFileSync(letter, 'Dear harbour master')
    fillIndex(dataDir, [{ path: letter, folder, title: 'harbour.txt', body: 'Dear harbour master' }, { ...SAMPLE_DOCUMENTS[0]! }])
    const ask = (channel: string, path: unknown, from = appFrame()) => electron.ipcMain.invoke(channel, from, path)
    expect(await ask(IPC_DOCUMENT_CHANNELS.open, letter)).toEqual({ ok: true, value: null })
    expect(await ask(IPC_DOCUMENT_CHANNELS.reveal, letter)).toEqual({ ok: true, value: null })
    expect([electron.shell.openedPaths, electron.shell.revealed]).toEqual([[letter], [letter]])

    const foreignPage = new electron.FakeWebContents()
    foreignPage.mainFrame.url = 'https://evil.example/'
    expect(await ask(IPC_DOCUMENT_CHANNELS.open, letter, { sender: foreignPage, senderFrame: foreignPage.mainFrame })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    })
    expect(await ask(IPC_DOCUMENT_CHANNELS.open, '/bin/sh')).toMatchObject({ ok: false, error: { code: 'not_found' } })
    expect(await ask(IPC_DOCUMENT_CHANNELS.open, { path: letter })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    // Indexed once, gone since.
    expect(await ask(IPC_DOCUMENT_CHANNELS.reveal, SAMPLE_DOCUMENTS[0]!.path)).toMatchObject({ ok: false, error: { code: 'not_found' } })
    electron.shell.openPathAnswer = 'No application knows this file type'
    expect(await ask(IPC_DOCUMENT_CHANNELS.open, letter)).toMatchObject({
      ok: false,
      error: { code: 'wrong_state', message: expect.stringContaining('No application') },
    })
    electron.shell.openPathAnswer = ''
    expect([electron.shell.openedPaths, electron.shell.revealed]).toEqual([[letter, letter], [letter]])
  })

  it('sends events to the window in batches, about ten a second at most', async () => {
    const before = sentEvents().length
    const reply = (await call('createJob', { kind: 'sleep', params: { ms: 1000 } })) as { value: { id: string } }
    const started = Date.now()
    await waitForStatus(desktop.host, reply.value.id, 'succeeded')
    await new Promise((resolve) => setTimeout(resolve, 150))
    const batches = sentEvents().slice(before)
    const seconds = (Date.now() - started) / 1000
    expect(batches.length).toBeGreaterThan(1)
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2)
    const states = batches.flat().flatMap((e) => (e.type === 'jobs' ? e.jobs.filter((j) => j.id === reply.value.id).map((j) => j.status) : []))
    expect(states.at(-1)).toBe('succeeded')
  })

  it('the tray says what runs and pauses or resumes everything', async () => {
    const tray = electron.Tray.instances[0]!
    expect(tray.image.path).toBe(join(ROOT, 'resources', 'tray-light.png'))
    electron.nativeTheme.shouldUseDarkColors = true
    electron.nativeTheme.emit('updated')
    expect(tray.image.path).toBe(join(ROOT, 'resources', 'tray-dark.png'))
    const reply = (await call('createJob', { kind: 'sleep', params: { ms: 800 } })) as { value: { id: string } }
    await waitFor(
      () => tray.tooltip === 'Offload — 1 running',
      () => `tooltip "${tray.tooltip}"`,
    )
    tray.clickItem('Pause all')
    expect(desktop.host.engine.stats().paused).toBe(true)
    await waitFor(() => tray.menu!.items.some((i) => i.label === 'Resume'), 'the menu to offer Resume')
    await waitForStatus(desktop.host, reply.value.id, 'succeeded')
    tray.clickItem('Resume')
    expect(desktop.host.engine.stats().paused).toBe(false)
    win().hide()
    tray.emit('click')
    expect(win().visible).toBe(true)
  })

  it('groups finished jobs into one notification; a click shows the window on them', async () => {
    const notifications = electron.Notification.instances
    /** Waits until no notification has come for longer than the grouping's quiet time. */
    const settle = async (): Promise<void> => {
      for (let seen = -1; seen !== notifications.length;) {
        seen = notifications.length
        await new Promise((resolve) => setTimeout(resolve, 2500))
      }
    }
    await settle()
    notifications.length = 0
    const ids = desktop.host.api.createJobs({ jobs: Array.from({ length: 5 }, () => ({ kind: 'sleep', params: { ms: 10 } })) }).ids
    await Promise.all(ids.map((id) => waitForStatus(desktop.host, id, 'succeeded')))
    await waitFor(() => notifications.length > 0, 'a notification', 10_000)
    await settle()
    // One summary, or two if a loaded machine spread the five over more than the quiet time; never one each.
    expect(notifications.length).toBeLessThanOrEqual(2)
    const counted = notifications.map((n) => Number(/^(\d+) jobs finished$/.exec(n.options.title)?.[1] ?? (n.options.title.startsWith('Finished:') ? 1 : NaN)))
    expect(counted.reduce((a, b) => a + b, 0)).toBe(5)
    const notification = notifications.at(-1)!
    expect(notification.shown).toBe(true)
    win().hide()
    notification.emit('click')
    expect(win().visible).toBe(true)
    await waitFor(
      () =>
        sentEvents()
          .flat()
          .some((e) => e.type === 'reveal'),
      'a reveal event',
    )
  })

  it('when nothing can be saved, the tray and a notification say so, and again when it can', async () => {
    const tray = electron.Tray.instances[0]!
    const notifications = electron.Notification.instances
    notifications.length = 0
    desktop.host.db.pragma('query_only = ON')
    const refused = await call('createJob', { kind: 'sleep', params: { ms: 1 } })
    expect(refused).toMatchObject({ ok: false, error: { code: 'storage_readonly' } })
    await waitFor(
      () => tray.tooltip.startsWith('Offload — Cannot save'),
      () => `tooltip "${tray.tooltip}"`,
    )
    await waitFor(() => notifications.some((n) => n.options.title === 'Offload: cannot save'), 'a notification of the trouble')
    expect(notifications.find((n) => n.options.title === 'Offload: cannot save')!.options.body).toContain('cannot be written')
    desktop.host.db.pragma('query_only = OFF')
    await waitFor(() => notifications.some((n) => n.options.title === 'Offload is saving again'), 'a notification that it is over', 10_000)
    await waitFor(
      () => !tray.tooltip.includes('Cannot save'),
      () => `tooltip "${tray.tooltip}"`,
    )
    expect(notifications.filter((n) => n.options.title.startsWith('Offload:'))).toHaveLength(1)
  })

  it('on battery runs fewer jobs; while asleep, none start', async () => {
    const engine = desktop.host.engine
    engine.updateSettings({ concurrency: 4 })
    electron.powerMonitor.onBattery = true
    electron.powerMonitor.emit('on-battery')
    expect(engine.stats().workers.max).toBe(2)
    engine.updateSettings({ batteryConcurrency: 1 })
    expect(engine.stats().workers.max).toBe(1)
    electron.powerMonitor.onBattery = false
    electron.powerMonitor.emit('on-ac')
    expect(engine.stats().workers.max).toBe(4)
    electron.powerMonitor.emit('suspend')
    const job = desktop.host.api.createJob({ kind: 'sleep', params: { ms: 1 } })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(desktop.host.api.getJob({ id: job.id }).status).toBe('queued')
    electron.powerMonitor.emit('resume')
    await waitForStatus(desktop.host, job.id, 'succeeded')
  })

  it('while the user is at the computer, at most half as many jobs start; away, all of them again', async () => {
    const engine = desktop.host.engine
    engine.updateSettings({ concurrency: 4 })
    expect(engine.stats().throttle).toEqual({ limit: 4, reason: null })
    electron.powerMonitor.idleSeconds = 5
    // The idle time is asked for every few seconds.
    await waitFor(() => engine.stats().throttle.reason === 'user_active', 'the user-active throttle')
    expect(engine.stats().throttle).toEqual({ limit: 2, reason: 'user_active' })
    engine.updateSettings({ adaptiveConcurrency: false })
    expect(engine.stats().throttle).toEqual({ limit: 4, reason: null })
    engine.updateSettings({ adaptiveConcurrency: true })
    electron.powerMonitor.idleSeconds = 600
    await waitFor(() => engine.stats().throttle.reason === null, 'the throttle to lift')
    expect(engine.stats().throttle).toEqual({ limit: 4, reason: null })
  })

  it('"Start at login" on Linux: an XDG autostart entry that starts the app hidden; off removes it', async () => {
    const entry = join(appData, 'autostart', 'offload.desktop')
    expect(desktop.host.engine.settings().startAtLogin).toBe(false)
    expect(await call('updateSettings', { startAtLogin: true })).toMatchObject({ ok: true, value: { startAtLogin: true } })
    expect(readFileSync(entry, 'utf8')).toContain(`Exec="${process.execPath}" "${ROOT}" "--hidden"`)
    expect(electron.app.loginItemCalls).toEqual([])
    await call('updateSettings', { startAtLogin: false })
    expect(existsSync(entry)).toBe(false)
  })

  it('a second launch brings the window forward', async () => {
    win().hide()
    win().minimized = true
    electron.app.emit('second-instance')
    expect([win().visible, win().minimized, win().focused]).toEqual([true, false, true])
  })

  it('closing the window while jobs run keeps Offload in the tray', async () => {
    const job = desktop.host.api.createJob({ kind: 'sleep', params: { ms: 600 } })
    await waitForStatus(desktop.host, job.id, 'running')
    win().close()
    expect(win().isDestroyed()).toBe(false)
    expect(win().visible).toBe(false)
    expect(electron.app.quitted).toBe(false)
    await waitForStatus(desktop.host, job.id, 'succeeded')
  })

  it('quitting with jobs running asks once; cancel keeps working', async () => {
    const job = desktop.host.api.createJob({ kind: 'sleep', params: { ms: 60_000 } })
    await waitForStatus(desktop.host, job.id, 'running')
    electron.dialog.messageBoxes.length = 0
    electron.dialog.answer = 1
    electron.app.quit()
    electron.app.quit()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(electron.dialog.messageBoxes).toHaveLength(1)
    expect(electron.dialog.messageBoxes[0]!.message).toBe('1 job is still running. Quit Offload?')
    expect(electron.app.quitted).toBe(false)
    expect(desktop.host.api.getJob({ id: job.id }).status).toBe('running')
  })

  it('quitting for real stops gracefully: the running job goes back to the queue, attempt not counted', async () => {
    const [job] = desktop.host.api.listJobs({ status: 'running', limit: 1 }).jobs
    electron.dialog.answer = 0
    electron.app.quit()
    await waitFor(() => electron.app.quitted, 'the app to quit', 15_000)
    expect(electron.dialog.messageBoxes).toHaveLength(2)
    const { openDatabase } = await import('../../../src/main/engine/database')
    const db = openDatabase(join(electron.app.userData, 'offload.db'))
    const row = db.prepare('SELECT status, attempts FROM jobs WHERE id = ?').get(job!.id)
    db.close()
    expect(row).toEqual({ status: 'queued', attempts: 0 })
    expect(electron.Tray.instances[0]!.destroyed).toBe(true)
    expect(existsSync(serverFile)).toBe(false)
  })
})
