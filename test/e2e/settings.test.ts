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
  if (task.result?.state === 'fail') await panel.shot(`failed-settings-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

const concurrency = async (): Promise<number> => (await panel.api<{ concurrency: number }>('GET', '/api/settings')).concurrency

describe('settings', () => {
  it('"Jobs at once" takes effect on Enter or leaving the field, not on each keystroke, and refuses what is out of range', async () => {
    await page.getByRole('button', { name: 'Settings' }).click()
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    const field = dialog.getByLabel('Jobs at once', { exact: true })
    await field.fill('')
    await field.pressSequentially('12')
    // Nothing applied while typing: the 1 of "12" never reached the server.
    expect(await concurrency()).not.toBe(1)
    await field.press('Enter')
    await page.getByTestId('concurrency').getByText('12 at once').waitFor()
    expect(await concurrency()).toBe(12)

    await field.fill('')
    await field.press('Tab')
    await dialog.getByRole('alert').getByText('Enter a whole number from 1 to 64').waitFor()
    await field.fill('65')
    await field.press('Enter')
    await dialog.getByRole('alert').getByText('Enter a whole number from 1 to 64').waitFor()
    expect(await concurrency()).toBe(12)
    await panel.shot('settings-invalid')

    await field.fill('3')
    await field.press('Enter')
    await page.getByTestId('concurrency').getByText('3 at once').waitFor()
    expect(await dialog.getByRole('alert').count()).toBe(0)
  })

  it('in a browser, the desktop-only settings are marked as such and cannot be changed', async () => {
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    const group = dialog.getByRole('group', { name: 'Desktop app' })
    await group.getByText('These apply to the desktop app; this panel is running in a browser.').waitFor()
    expect(await group.getByLabel('Notify when jobs finish').isDisabled()).toBe(true)
    expect(await group.getByLabel('Allow scripts and the command line').isDisabled()).toBe(true)
    expect(await group.getByLabel('Start at login, in the tray').isDisabled()).toBe(true)
    await dialog.getByRole('button', { name: 'Done' }).click()
  })
})

describe('clean-up terms', () => {
  it('turn on with a sensible first value, take a number on Enter, and turn off to keep everything', async () => {
    const keep = async () => panel.api<{ keepFailedDays: number | null; keepFinishedMax: number | null }>('GET', '/api/settings')
    await page.getByRole('button', { name: 'Settings' }).click()
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    const failed = dialog.getByRole('checkbox', { name: 'Remove failed jobs after (days)' })
    expect(await failed.isChecked()).toBe(true)
    const days = dialog.getByRole('spinbutton', { name: 'Remove failed jobs after (days)' })
    await days.fill('14')
    await days.press('Enter')
    await expect.poll(async () => (await keep()).keepFailedDays).toBe(14)
    await failed.uncheck()
    await expect.poll(async () => (await keep()).keepFailedDays).toBe(null)
    expect(await days.count()).toBe(0)
    await failed.check()
    await expect.poll(async () => (await keep()).keepFailedDays).toBe(90)
    const most = dialog.getByRole('checkbox', { name: 'Keep at most this many succeeded and cancelled jobs' })
    await most.check()
    await expect.poll(async () => (await keep()).keepFinishedMax).toBe(10_000)
    const count = dialog.getByRole('spinbutton', { name: 'Keep at most this many succeeded and cancelled jobs' })
    await count.fill('50')
    await count.press('Enter')
    await dialog.getByText('Enter a whole number from 100 to 10000000').waitFor()
    expect((await keep()).keepFinishedMax).toBe(10_000)
    await page.keyboard.press('Escape')
  })
})

describe('quiet hours', () => {
  it('are set in Settings, and the header says until when nothing starts', async () => {
    type Hours = { activeHours: { rule: string; windows: { from: string; to: string; days?: number[] }[] } | null; quietRunning: string }
    const saved = async () => panel.api<Hours>('GET', '/api/settings')
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    // The clean-up test may leave it open (its last field refused a value).
    if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'Settings' }).click()
    const group = dialog.getByRole('group', { name: 'Quiet hours' })
    await group.getByRole('combobox', { name: /^New jobs start/ }).selectOption('never')
    await expect.poll(async () => (await saved()).activeHours).toEqual({ rule: 'never', windows: [{ from: '23:00', to: '07:00' }] })
    // The whole day, every day but Sunday: quiet now unless today is Sunday, and until the next edge.
    const window = group.getByRole('group', { name: 'New jobs start, hours 1' })
    await window.getByLabel('From').fill('00:00')
    await window.getByLabel('to').fill('00:00')
    await window.getByRole('checkbox', { name: 'Sun' }).click()
    await expect.poll(async () => (await saved()).activeHours).toEqual({ rule: 'never', windows: [{ from: '00:00', to: '00:00', days: [1, 2, 3, 4, 5, 6] }] })
    await group.getByLabel('When quiet hours begin').selectOption('suspend')
    await expect.poll(async () => (await saved()).quietRunning).toBe('suspend')
    const sunday = new Date().getDay() === 0
    if (!sunday)
      await page
        .getByRole('status')
        .filter({ hasText: /^Quiet until / })
        .waitFor()
    await panel.shot('settings-quiet-hours')
    await group.getByRole('combobox', { name: /^New jobs start/ }).selectOption('any')
    await expect.poll(async () => (await saved()).activeHours).toBe(null)
    await page
      .getByRole('status')
      .filter({ hasText: /^Quiet/ })
      .waitFor({ state: 'detached' })
    await group.getByLabel('When quiet hours begin').selectOption('continue')
    await page.keyboard.press('Escape')
  })
})

describe('a wrong token', () => {
  it('says so, and where to find the right one, instead of reconnecting for ever', async () => {
    const other = await panel.browser.newPage()
    try {
      await other.goto(`${panel.info.url}/?token=${'x'.repeat(43)}`)
      const banner = other.getByRole('alert').filter({ hasText: 'access token is not accepted' })
      await banner.waitFor()
      expect(await banner.textContent()).toContain('server.json')
      await other.getByText('Token refused').waitFor()
      expect(await other.getByText('Lost contact with Offload').count()).toBe(0)
    } finally {
      await other.close()
    }
  })
})
