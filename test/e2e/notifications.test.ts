import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

/** The browser's Notification, recorded instead of shown, and a tab that is never in focus. */
const STUB = `
  window.__notes = []
  class RecordedNotification {
    static permission = localStorage.getItem('stub.permission') ?? 'default'
    static async requestPermission() {
      window.__asked = (window.__asked ?? 0) + 1
      RecordedNotification.permission = 'granted'
      localStorage.setItem('stub.permission', 'granted')
      return 'granted'
    }
    constructor(title, options) {
      this.onclick = null
      window.__notes.push({ title, body: options.body })
      window.__last = this
    }
    close() {}
  }
  window.Notification = RecordedNotification
  document.hasFocus = () => false
`

const panel = new PanelHarness()
let page: Page
const notes = () => page.evaluate<{ title: string; body: string }[]>('window.__notes')

beforeAll(async () => {
  await panel.open({ init: STUB, kinds: ['sleep.mjs', 'flaky.mjs'] })
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-notifications-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

describe('a panel in a browser tab', () => {
  it('counts running, queued and failed jobs in the tab title', async () => {
    expect(await page.title()).toBe('Offload')
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Titled', params: { ms: 3000 } })
    await page.waitForFunction(() => document.title === '1 running — Offload')
    await page.waitForFunction(() => document.title === 'Offload', undefined, { timeout: 10_000 })
  })

  it('notifies, with permission, in one summary per burst, only for the outcomes chosen; a click shows them', async () => {
    await page.getByRole('button', { name: 'Settings' }).click()
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    await dialog.getByLabel('Notify me here when jobs fail').check()
    expect(await page.evaluate('window.__asked')).toBe(1)
    expect(await dialog.getByLabel('Notify me here when jobs finish').isChecked()).toBe(false)
    await dialog.getByRole('button', { name: 'Done' }).click()

    const counters = panel.dataDir
    await panel.api('POST', '/api/jobs/batch', {
      jobs: [
        // Failing in the worker itself, with no process to start: on a loaded machine two shell commands
        // could end further apart than the burst's quiet time.
        { kind: 'flaky', name: 'Broke A', maxAttempts: 1, params: { counter: join(counters, 'a'), failures: 1 } },
        { kind: 'flaky', name: 'Broke B', maxAttempts: 1, params: { counter: join(counters, 'b'), failures: 1 } },
        { kind: 'sleep', name: 'Fine', params: { ms: 0 } },
      ],
    })
    await page.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length > 0, undefined, { timeout: 15_000 })
    await page.waitForTimeout(2000)
    expect(await notes()).toEqual([{ title: '2 failed', body: expect.stringMatching(/^Broke [AB], Broke [AB]$/) }])
    expect(await page.title()).toBe('2 failed — Offload')

    await page.evaluate(() => (window as unknown as { __last: { onclick: () => void } }).__last.onclick())
    expect(await page.getByRole('tab', { name: /^Failed/ }).getAttribute('aria-selected')).toBe('true')
  })

  it('remembers the choice in this browser across a reload', async () => {
    await page.reload()
    await page.getByText('Connected', { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Settings' }).click()
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    expect(await dialog.getByLabel('Notify me here when jobs fail').isChecked()).toBe(true)
    await dialog.getByRole('button', { name: 'Done' }).click()
    await panel.api('POST', '/api/jobs', { kind: 'shell', name: 'Broke C', maxAttempts: 1, params: { command: 'exit 5' } })
    await page.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length > 0, undefined, { timeout: 15_000 })
    expect(await notes()).toEqual([{ title: 'Failed: Broke C', body: expect.any(String) }])
  })
})
