import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MAX_MIN_FREE_MEMORY_MB, type Settings } from '../../src/shared/job'
import { PanelHarness, until } from './harness'

const panel = new PanelHarness()
let page: Page

beforeAll(async () => {
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-throttle-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

const settings = () => panel.api<Settings>('GET', '/api/settings')

describe('the header says why fewer jobs run', () => {
  it('memory short: "0 of 4: memory low" beside the workers, nothing starts; not checking memory lets the job run', async () => {
    await panel.api('PUT', '/api/settings', { concurrency: 4 })
    expect(await page.getByTestId('throttle').count()).toBe(0)
    // More memory to leave free than any test machine has.
    await panel.api('PUT', '/api/settings', { minFreeMemoryMb: MAX_MIN_FREE_MEMORY_MB })
    const note = page.getByRole('status', { name: 'Jobs at once held at 0 of 4: memory low' })
    await note.waitFor()
    expect(await note.textContent()).toBe('0 of 4: memory low')
    const job = await panel.api<{ id: string }>('POST', '/api/jobs', { kind: 'sleep', params: { ms: 0 }, name: 'waits for memory' })
    await panel.row('waits for memory').waitFor()
    expect((await panel.api<{ status: string }>('GET', `/api/jobs/${job.id}`)).status).toBe('queued')
    await panel.shot('header-memory-low')
    await page.setViewportSize({ width: 800, height: 600 })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0)
    await panel.shot('header-memory-low-narrow')
    await page.setViewportSize({ width: 1280, height: 760 })

    await page.getByRole('button', { name: 'Settings' }).click()
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    await dialog.getByLabel('Memory to leave free before a job starts').selectOption({ label: 'Don’t check' })
    await until(settings, (s) => s.minFreeMemoryMb === 0, 'memory not checked')
    await note.waitFor({ state: 'detached' })
    await until(
      () => panel.api<{ status: string }>('GET', `/api/jobs/${job.id}`),
      (j) => j.status === 'succeeded',
      'the job to run',
    )
    expect(await page.getByTestId('throttle').count()).toBe(0)
  })

  it('the settings dialog sets the memory to leave free, adaptive concurrency and how far disk-bound jobs go', async () => {
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    await dialog.getByLabel('Memory to leave free before a job starts').selectOption({ label: 'A set amount' })
    await until(settings, (s) => s.minFreeMemoryMb === 500, 'the first set amount')
    const amount = dialog.getByLabel('Memory to leave free (MB)')
    await amount.fill('750')
    await amount.press('Enter')
    await until(settings, (s) => s.minFreeMemoryMb === 750, 'the amount typed')
    await amount.fill('-5')
    await amount.press('Enter')
    await dialog.getByRole('alert').getByText(`Enter a whole number from 1 to ${MAX_MIN_FREE_MEMORY_MB}`).waitFor()
    await amount.fill('750')
    await amount.press('Enter')

    const overcommit = dialog.getByLabel('Jobs that mostly wait on the disk may take this many times the jobs at once')
    await overcommit.fill('9')
    await overcommit.press('Enter')
    await dialog.getByRole('alert').getByText('Enter a whole number from 1 to 8').waitFor()
    await overcommit.fill('3')
    await overcommit.press('Enter')
    await until(settings, (s) => s.ioOvercommit === 3, 'the overcommit')

    const adaptive = dialog.getByLabel(/Start fewer jobs while other programs keep the computer busy/)
    expect(await adaptive.isChecked()).toBe(false)
    await adaptive.click()
    await until(settings, (s) => s.adaptiveConcurrency, 'adaptive concurrency on')
    await panel.shot('settings-machine')
    await dialog.getByLabel('Memory to leave free before a job starts').selectOption({ label: '10 % of it, at most 500 MB' })
    await until(settings, (s) => s.minFreeMemoryMb === null, 'the automatic floor')
    expect(await dialog.getByLabel('Memory to leave free (MB)').count()).toBe(0)
    await dialog.getByRole('button', { name: 'Done' }).click()
  })
})
