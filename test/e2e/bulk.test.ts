import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Stats } from '../../src/shared/job'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page
const MANY = 3000

const counts = async (): Promise<Stats['counts']> => (await panel.api<Stats>('GET', '/api/stats')).counts
const toolbar = () => page.getByRole('toolbar', { name: 'Selected jobs' })
const tab = (name: RegExp) => page.getByRole('tab', { name })
const toast = () => page.locator('.toast')

beforeAll(async () => {
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-bulk-${task.name.replace(/\W+/g, '-')}`)
  await page.keyboard.press('Escape')
})

afterAll(() => panel.close())

describe('housekeeping at scale', () => {
  it(`"select all matching" acts on every job the filter matches (${MANY.toLocaleString()}), not only the rows loaded`, async () => {
    await panel.api('POST', '/api/queue/pause')
    await panel.api('POST', '/api/jobs/batch', { jobs: Array.from({ length: MANY }, (_, i) => ({ kind: 'sleep', name: `Many ${i}`, params: { ms: 1 } })) })
    // One more that the filter leaves out.
    await panel.api('POST', '/api/jobs', { kind: 'shell', name: 'Other kind', params: { command: 'true' } })
    await page.getByLabel('Filter by kind').selectOption('sleep')
    await page.getByRole('checkbox', { name: 'Select all jobs shown' }).check()
    await toolbar()
      .getByRole('button', { name: `Select all ${MANY.toLocaleString()} matching` })
      .click()
    await toolbar().getByText(`All ${MANY.toLocaleString()} matching jobs selected`).waitFor()
    await toolbar().getByRole('button', { name: 'Cancel' }).click()
    await toast()
      .filter({ hasText: `Cancelled ${MANY.toLocaleString()} jobs` })
      .waitFor({ timeout: 30_000 })
    expect(await counts()).toMatchObject({ cancelled: MANY, queued: 1 })

    // The same through a status tab: every cancelled one back in the queue.
    await page.getByLabel('Filter by kind').selectOption('')
    await tab(/^Cancelled/).click()
    await page.getByRole('checkbox', { name: 'Select all jobs shown' }).check()
    await toolbar()
      .getByRole('button', { name: /^Select all .* matching$/ })
      .click()
    await toolbar().getByRole('button', { name: 'Retry' }).click()
    await toast()
      .filter({ hasText: `Retried ${MANY.toLocaleString()} jobs` })
      .waitFor({ timeout: 30_000 })
    expect(await counts()).toMatchObject({ cancelled: 0, queued: MANY + 1 })
    await tab(/^All/).click()

    // Removing everything that matches asks first.
    await page.getByRole('checkbox', { name: 'Select all jobs shown' }).check()
    await toolbar()
      .getByRole('button', { name: /^Select all .* matching$/ })
      .click()
    await toolbar().getByRole('button', { name: 'Remove' }).click()
    const confirm = page.getByRole('dialog', { name: `Remove all ${(MANY + 1).toLocaleString()} matching jobs?` })
    await confirm.getByRole('button', { name: 'Keep them' }).click()
    await confirm.waitFor({ state: 'detached' })
    expect(await counts()).toMatchObject({ queued: MANY + 1 })
    await toolbar().getByRole('button', { name: 'Clear selection' }).click()
    // Focus goes back to the list, not to the page's body.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('row')
  })

  it('"Clear finished…" says how many go, by status, and removes only those', async () => {
    const { ids } = await panel.api<{ ids: string[] }>('POST', '/api/jobs/batch', {
      jobs: Array.from({ length: 5 }, (_, i) => ({ kind: 'sleep', name: `Finish ${i}`, params: { ms: 1 } })),
    })
    await panel.api('POST', '/api/jobs/cancel', { ids })
    await tab(/^Cancelled 5/).waitFor()
    await page.getByRole('button', { name: 'Clear finished…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Clear finished jobs' })
    expect(await dialog.getByRole('button', { name: /^Remove/ }).textContent()).toBe('Remove 5 jobs')
    await dialog.getByLabel(/cancelled/).uncheck()
    expect(await dialog.getByRole('button', { name: /^Remove/ }).textContent()).toBe('Remove 0 jobs')
    expect(await dialog.getByRole('button', { name: /^Remove/ }).isDisabled()).toBe(true)
    await dialog.getByLabel(/cancelled/).check()
    await dialog.getByRole('button', { name: 'Remove 5 jobs' }).click()
    await toast().filter({ hasText: 'Removed 5 jobs' }).waitFor({ timeout: 30_000 })
    expect(await counts()).toMatchObject({ cancelled: 0, queued: MANY + 1 })
  })

  it('shift-click selects a range; a bulk result names the jobs it could not change, and why', async () => {
    await panel.api('POST', '/api/jobs/remove', { filter: {} })
    await panel.api('POST', '/api/jobs/batch', { jobs: Array.from({ length: 8 }, (_, i) => ({ kind: 'sleep', name: `Range ${i}`, params: { ms: 60_000 } })) })
    await panel.row('Range 0').waitFor()
    // Newest first: Range 7 at the top.
    await page.getByRole('checkbox', { name: 'Select Range 4' }).click()
    await page.getByRole('checkbox', { name: 'Select Range 0' }).click({ modifiers: ['Shift'] })
    await toolbar().getByText('5 selected').waitFor()
    const checked = await page.locator('[data-job-id] input[type="checkbox"]:checked').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('aria-label')))
    expect(checked).toEqual(['Select Range 4', 'Select Range 3', 'Select Range 2', 'Select Range 1', 'Select Range 0'])

    // The oldest run first: Range 0 and 1 will be running when the removal comes.
    await panel.api('POST', '/api/queue/resume')
    await panel.row('Range 0').getByText('running').waitFor()
    await toolbar().getByRole('button', { name: 'Remove' }).click()
    // The one that names what it could not remove: the toast of the test before may still be showing.
    const message = toast().filter({ hasText: / not: / })
    await message.waitFor()
    expect(await message.textContent()).toMatch(/^Removed [34] jobs; [12] not: “Range [01]” is running; cancel it before removing it/)
    await panel.api('POST', '/api/queue/pause')
  })

  it('"Retry all failed" sends every failed job back, from any tab', async () => {
    await panel.api('POST', '/api/jobs/cancel', { filter: { status: ['queued', 'running'] } })
    await panel.api('POST', '/api/queue/resume')
    const marker = `${panel.dataDir}/second-time`
    await panel.api('POST', '/api/jobs/batch', {
      jobs: ['A', 'B'].map((n) => ({
        kind: 'shell',
        name: `Fails once ${n}`,
        maxAttempts: 1,
        params: { command: `test -f ${marker}${n} || (touch ${marker}${n}; exit 1)` },
      })),
    })
    await panel.row('Fails once B').getByText('failed').waitFor()
    await panel.row('Fails once A').getByText('failed').waitFor()
    await page.getByRole('button', { name: 'Retry all failed (2)' }).click()
    await panel.row('Fails once A').getByText('succeeded').waitFor()
    await panel.row('Fails once B').getByText('succeeded').waitFor()
    // The counts arrive with the next stats event, a moment after the rows.
    await expect.poll(() => page.getByRole('button', { name: /^Retry all failed/ }).count()).toBe(0)
  })
  it('a job that leaves the list leaves the selection; a shift-click range starts at the job clicked, wherever it has moved', async () => {
    await panel.api('POST', '/api/queue/pause')
    await panel.api('POST', '/api/jobs/remove', { filter: {} })
    const { ids } = await panel.api<{ ids: string[] }>('POST', '/api/jobs/batch', {
      jobs: Array.from({ length: 4 }, (_, i) => ({ kind: 'sleep', name: `Sel ${i}`, params: { ms: 1 } })),
    })
    await tab(/^Queued/).click()
    await page.getByRole('checkbox', { name: 'Select Sel 1' }).click()
    await page.getByRole('checkbox', { name: 'Select Sel 2' }).click()
    await toolbar().getByText('2 selected').waitFor()
    await panel.api('POST', '/api/jobs/cancel', { ids: [ids[1]] })
    await toolbar().getByText('1 selected').waitFor()
    await toolbar().getByRole('button', { name: 'Clear selection' }).click()

    await page.getByRole('checkbox', { name: 'Select Sel 2' }).click()
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Sel new', params: { ms: 1 } })
    await panel.row('Sel new').waitFor()
    await page.getByRole('checkbox', { name: 'Select Sel 0' }).click({ modifiers: ['Shift'] })
    const checked = await page.locator('[data-job-id] input[type="checkbox"]:checked').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('aria-label')))
    expect(checked).toEqual(['Select Sel 2', 'Select Sel 0'])
    await toolbar().getByRole('button', { name: 'Clear selection' }).click()
    await tab(/^All/).click()
  })
})
