import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page

beforeAll(async () => {
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-offline-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

describe('while the panel has lost contact with Offload', () => {
  it('says what it shows is from before the drop, stops the clocks, refuses to pretend it acted, and keeps a half-filled form for later', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Long one', params: { ms: 20_000 } })
    await panel.row('Long one').getByText('running').waitFor()
    await page.getByRole('button', { name: '+ New job' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
    await dialog.getByLabel('command').fill('echo typed while offline')
    await dialog.getByLabel('Name (optional)').fill('Typed offline')

    await panel.stopServer('SIGKILL')
    const banner = page.getByRole('alert').filter({ hasText: 'Lost contact with Offload' })
    await banner.waitFor()
    expect(await banner.textContent()).toMatch(/What you see is as of \d{1,2}:\d{2}:\d{2}/)
    expect(await page.locator('.app').getAttribute('class')).toContain('stale')

    // The form waits: it says why it cannot queue, and queues nothing.
    const submit = dialog.getByRole('button', { name: 'Queue job' })
    expect(await submit.isDisabled()).toBe(true)
    expect(await dialog.getByRole('status').textContent()).toContain('Not connected to Offload')

    // The running job's time stands still: the panel does not know it.
    const duration = panel.row('Long one').locator('.col-duration')
    const before = await duration.textContent()
    await page.waitForTimeout(2500)
    expect(await duration.textContent()).toBe(before)
    await panel.shot('offline')

    // An action says it was not done, rather than "retrying".
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Pause all' }).click()
    const toast = page.locator('.toast')
    await toast.waitFor()
    expect(await toast.textContent()).toBe('Offload is not reachable, so this was not done. Try again once the panel says Connected.')

    await panel.startServer()
    await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 })
    await banner.waitFor({ state: 'detached' })
    expect(await page.locator('.app').getAttribute('class')).not.toContain('stale')
  })

  it('a form begun offline is sent once the panel is back', async () => {
    await page.getByRole('button', { name: '+ New job' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
    await dialog.getByLabel('command').fill('echo back again')
    await dialog.getByLabel('Name (optional)').fill('Queued after the drop')
    await panel.stopServer('SIGKILL')
    await page.getByRole('alert').filter({ hasText: 'Lost contact with Offload' }).waitFor()
    await panel.startServer()
    await page.getByText('Connected', { exact: true }).waitFor({ timeout: 20_000 })
    expect(await dialog.getByLabel('command').inputValue()).toBe('echo back again')
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await panel.row('Queued after the drop').getByText('succeeded').waitFor()
  })
})
