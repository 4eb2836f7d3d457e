import Database from 'better-sqlite3'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ServerInfo } from '../../src/shared/server-info'
import { PanelHarness, SHOTS } from './harness'

const panel = new PanelHarness()
let page: Page
let info: ServerInfo
let dataDir: string

const api = <T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> => panel.api<T>(method, path, body)
const row = (name: string) => panel.row(name)
const shot = (name: string) => panel.shot(name)
const startServer = async (): Promise<void> => {
  await panel.startServer()
  info = panel.info
}
const stopServer = (signal?: NodeJS.Signals): Promise<void> => panel.stopServer(signal)

beforeAll(async () => {
  await panel.open()
  ;({ page, info, dataDir } = panel)
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await shot(`failed-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

describe('the panel in a browser, against npm run serve', () => {
  it('greets a new user with what to do first, and keeps the token out of the address bar', async () => {
    await page.getByRole('heading', { name: 'Nothing queued yet' }).waitFor()
    expect(page.url()).not.toContain('token=')
    await shot('empty')
  })

  it('creates a job through the form and shows its progress reach 100 %', async () => {
    await page.getByRole('button', { name: '+ Queue your first job' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    await dialog.getByLabel('Kind', { exact: true }).selectOption('sleep')
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await expect(dialog.getByRole('alert').first().textContent()).resolves.toBe('Required')
    await dialog.locator('#param-ms').fill('1500')
    await dialog.getByLabel('Name (optional)').fill('First sleep')
    await shot('new-job')
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await row('First sleep').waitFor()
    await row('First sleep').getByText('succeeded').waitFor({ timeout: 15_000 })
    expect(await row('First sleep').getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100')
    await row('First sleep').getByText('100%').waitFor()
  })

  it('says what is wrong with a param, next to the field', async () => {
    await page.getByRole('button', { name: '+ New job' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    await dialog.getByLabel('Kind', { exact: true }).selectOption('hash-files')
    await dialog.locator('#param-folder').fill('/no/such/folder')
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await dialog.getByText('No such folder').waitFor()
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
  })

  it('cancels a running job', async () => {
    await api('POST', '/api/jobs', { kind: 'sleep', name: 'Endless', params: { ms: 600_000 } })
    await row('Endless').getByText('running').waitFor()
    await row('Endless').click()
    await page.getByRole('complementary', { name: 'Details of Endless' }).getByRole('button', { name: 'Cancel (C)' }).click()
    await row('Endless').getByText('cancelled').waitFor()
  })

  it('retries a failed job', async () => {
    const marker = join(dataDir, 'second-time')
    await api('POST', '/api/jobs', {
      kind: 'shell',
      name: 'Flaky',
      maxAttempts: 1,
      params: { command: `test -f ${marker} || (touch ${marker}; echo first try fails; exit 3)` },
    })
    await row('Flaky').getByText('failed').waitFor()
    await row('Flaky').click()
    const pane = page.getByRole('complementary', { name: 'Details of Flaky' })
    await pane.getByRole('alert').getByText('exit_code').waitFor()
    await shot('failed-detail')
    await pane.getByRole('button', { name: 'Retry (R)' }).click()
    await row('Flaky').getByText('succeeded').waitFor()
    // Both tries, from the attempts the server keeps: the failed one with its exit code, then the good one.
    const tries = pane.locator('.attempts li')
    await tries.nth(1).filter({ hasText: 'succeeded' }).waitFor()
    expect(await tries.count()).toBe(2)
    expect(await tries.nth(0).textContent()).toMatch(/Try 1: failed · .* · exit code 3 · CPU time [^·]+ · peak memory [^·]+exit_code: /)
  })

  it('filters by status and kind, and searches names', async () => {
    await api('POST', '/api/jobs/batch', {
      jobs: [
        { kind: 'shell', name: 'alpha report', params: { command: 'true' } },
        { kind: 'shell', name: 'beta report', params: { command: 'true' } },
        { kind: 'sleep', name: 'alpha nap', params: { ms: 1 } },
      ],
    })
    await row('alpha nap').getByText('succeeded').waitFor()
    await page.getByLabel('Search jobs by name').fill('alpha')
    await expect.poll(() => page.locator('[data-job-id]').count()).toBe(2)
    await page.getByLabel('Filter by kind').selectOption('shell')
    await expect.poll(() => page.locator('[data-job-id] .name').allTextContents()).toEqual(['alpha report'])
    await page.getByLabel('Filter by kind').selectOption('')
    await page.getByLabel('Search jobs by name').fill('')
    await page.getByRole('tab', { name: /Cancelled/ }).click()
    await expect.poll(() => page.locator('[data-job-id] .name').allTextContents()).toEqual(['Endless'])
    await page.getByRole('tab', { name: /All/ }).click()
  })

  it('shows the log of a running job as it grows', async () => {
    await api('POST', '/api/jobs', { kind: 'shell', name: 'Chatty', params: { command: 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.4; done' } })
    await row('Chatty').click()
    const log = page.getByTestId('job-log')
    await log.getByText('line 2').waitFor()
    expect(await log.textContent()).not.toContain('line 6')
    await log.getByText('line 6').waitFor()
    await shot('detail-log')
    await page.keyboard.press('Escape')
  })

  it('pauses and resumes dispatching', async () => {
    await page.getByRole('button', { name: '❚❚ Pause all' }).click()
    await page.getByRole('button', { name: '▶ Resume' }).waitFor()
    await api('POST', '/api/jobs', { kind: 'sleep', name: 'Waits for resume', params: { ms: 1 } })
    await row('Waits for resume').getByText('queued').waitFor()
    await page.waitForTimeout(500)
    await row('Waits for resume').getByText('queued').waitFor()
    await page.getByRole('button', { name: '▶ Resume' }).click()
    await row('Waits for resume').getByText('succeeded').waitFor()
  })

  it('selects several jobs and acts on them at once', async () => {
    await api('POST', '/api/queue/pause')
    await api('POST', '/api/jobs/batch', { jobs: ['one', 'two', 'three'].map((n) => ({ kind: 'sleep', name: `bulk-${n}`, params: { ms: 1 } })) })
    await row('bulk-three').waitFor()
    for (const n of ['one', 'two', 'three']) await page.getByRole('checkbox', { name: `Select bulk-${n}` }).check()
    const toolbar = page.getByRole('toolbar', { name: 'Selected jobs' })
    await toolbar.getByText('3 selected').waitFor()
    await toolbar.getByLabel('Change priority of the selected jobs').selectOption('urgent')
    await row('bulk-two').getByText('sleep · urgent').waitFor()
    for (const n of ['one', 'two']) await page.getByRole('checkbox', { name: `Select bulk-${n}` }).check()
    await toolbar.getByRole('button', { name: 'Cancel' }).click()
    await row('bulk-one').getByText('cancelled').waitFor()
    await row('bulk-two').getByText('cancelled').waitFor()
    await page.getByRole('checkbox', { name: 'Select bulk-one' }).check()
    await page.getByRole('checkbox', { name: 'Select bulk-two' }).check()
    await toolbar.getByRole('button', { name: 'Remove' }).click()
    await expect.poll(() => row('bulk-one').count()).toBe(0)
    expect(await row('bulk-three').count()).toBe(1)
    await api('POST', '/api/queue/resume')
    await row('bulk-three').getByText('succeeded').waitFor()
  })

  it('has keyboard shortcuts, and follows the system’s dark theme', async () => {
    await page.locator('body').click({ position: { x: 5, y: 700 } })
    await page.keyboard.press('/')
    expect(await page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe('Search jobs by name')
    await page.keyboard.press('Escape')
    await page.locator('body').click({ position: { x: 5, y: 700 } })
    await page.keyboard.press('n')
    await page.getByRole('dialog', { name: 'New job' }).waitFor()
    await page.keyboard.press('Escape')
    await page.keyboard.press('p')
    await page.getByRole('button', { name: '▶ Resume' }).waitFor()
    await page.keyboard.press('p')
    await page.getByRole('button', { name: '❚❚ Pause all' }).waitFor()
    await page.emulateMedia({ colorScheme: 'dark' })
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor')
    expect(background).toBe('rgb(21, 24, 28)')
    await row('bulk-three').click()
    await shot('dark')
    await page.emulateMedia({ colorScheme: 'light' })
    await page.keyboard.press('Escape')
  })

  it('reconnects by itself when the server restarts, and the jobs resume', async () => {
    await api('POST', '/api/jobs', { kind: 'sleep', name: 'Survivor', params: { ms: 4000 } })
    await row('Survivor').getByText('running').waitFor()
    await stopServer('SIGKILL')
    await page.getByRole('alert').filter({ hasText: 'Lost contact with Offload — reconnecting…' }).waitFor()
    await shot('reconnecting')
    await startServer()
    await page.getByText('Connected').waitFor({ timeout: 20_000 })
    await row('Survivor').getByText('succeeded').waitFor({ timeout: 20_000 })
    expect(await row('Survivor').locator('.col-attempts').textContent()).toBe('2/3')
  })

  it('says in a banner when its database cannot be written, and clears it once it can', async () => {
    // Another process holding the write lock: the engine's writes give up after its busy timeout.
    const locker = new Database(join(dataDir, 'offload.db'))
    locker.exec('BEGIN EXCLUSIVE')
    const banner = page.getByRole('alert').filter({ hasText: 'Database unreachable.' })
    try {
      const refused = await fetch(info.url + '/api/jobs', {
        method: 'POST',
        headers: { authorization: `Bearer ${info.token}` },
        body: JSON.stringify({ kind: 'sleep', params: { ms: 1 } }),
      })
      expect(refused.status).toBe(503)
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable')
      await banner.waitFor({ timeout: 15_000 })
      expect(await banner.textContent()).toContain('Offload keeps trying')
      await shot('storage-trouble')
    } finally {
      locker.exec('COMMIT')
      locker.close()
    }
    await banner.waitFor({ state: 'detached', timeout: 30_000 })
  })

  it('shows 100,000 jobs smoothly and scrolls to the end', async () => {
    await api('POST', '/api/queue/pause')
    for (let batch = 0; batch < 10; batch++) {
      const jobs = Array.from({ length: 10_000 }, (_, i) => ({ kind: 'sleep', name: `bulk ${batch * 10_000 + i}`, params: { ms: 1 } }))
      await api('POST', '/api/jobs/batch', { jobs })
    }
    await page.getByRole('tab', { name: /Queued/ }).click()
    await page.getByRole('tab', { name: /Queued 100,000/ }).waitFor()
    await row('bulk 99999').waitFor()
    await shot('many-jobs')
    const list = page.getByTestId('job-list')
    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }))
    await row('bulk 0').waitFor({ timeout: 10_000 })
    expect(await page.locator('[role="grid"]').getAttribute('aria-rowcount')).toBe('100000')
    await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight / 2 }))
    await row('bulk 5').first().waitFor({ timeout: 10_000 })
    writeFileSync(join(SHOTS, 'README.txt'), 'Screenshots of the main views, taken by test/e2e/panel.test.ts.\n')
  })
})
