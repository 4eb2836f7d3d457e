import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page

beforeAll(async () => {
  await panel.open()
  page = panel.page
  await panel.api('POST', '/api/jobs/batch', {
    jobs: [
      ...Array.from({ length: 6 }, (_, i) => ({ kind: 'sleep', name: `Nap ${i}`, params: { ms: 100 } })),
      ...Array.from({ length: 2 }, (_, i) => ({ kind: 'shell', name: `Bad ${i}`, maxAttempts: 1, params: { command: 'exit 1' } })),
      { kind: 'shell', name: 'Good', params: { command: 'true' } },
    ],
  })
  for (let waited = 0; ; waited += 100) {
    const { counts } = await panel.api<{ counts: Record<string, number> }>('GET', '/api/stats')
    if (counts.succeeded === 7 && counts.failed === 2) break
    if (waited > 20_000) throw new Error(`The jobs did not end: ${JSON.stringify(counts)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-stats-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

describe('the stats view', () => {
  it('shows what ended and how, run times, the failure rate, throughput with axes, and each kind', async () => {
    await page.getByRole('button', { name: 'Stats' }).click()
    const view = page.getByRole('region', { name: 'Stats' })
    const card = (label: string) => view.locator('.stat-card', { has: page.locator('dt', { hasText: label }) })
    await card('Ended').locator('.stat-value', { hasText: '9' }).waitFor()
    expect(await card('Ended').locator('.stat-note').textContent()).toBe('7 succeeded · 2 failed · 0 cancelled')
    expect(await card('Failure rate').locator('.stat-value').textContent()).toBe('22 %')
    expect(await card('Run time').locator('.stat-value').textContent()).toMatch(/^\d+ ms$|^\d+ s$/)

    const chart = view.getByRole('img', { name: /^Jobs ended per 15 min: 9 in all/ })
    // A y axis from 0 to a round top, and times along the x axis.
    expect(await chart.locator('.grid text').allTextContents()).toEqual(['0', expect.stringMatching(/^\d+(\.\d+)?$/), expect.stringMatching(/^\d+$/)])
    expect((await chart.locator('text.axis').allTextContents()).length).toBeGreaterThanOrEqual(4)

    const rows = view.getByRole('table').locator('tbody tr')
    expect(await rows.locator('th').allTextContents()).toEqual(['sleep', 'shell'])
    const shell = await rows.nth(1).locator('td').allTextContents()
    // queued, running, ended, failed, failure rate
    expect(shell.slice(0, 5)).toEqual(['0', '0', '3', '2', '67 %'])
    await panel.shot('stats')

    await view.getByRole('radio', { name: 'Last hour' }).click()
    await view.getByRole('img', { name: /^Jobs ended per 1 min: 9 in all/ }).waitFor()
  })

  it('keeps its history when the finished jobs are cleared', async () => {
    await panel.api('POST', '/api/jobs/remove', { filter: { status: ['succeeded', 'failed', 'cancelled'] } })
    const view = page.getByRole('region', { name: 'Stats' })
    await page.waitForTimeout(5500)
    expect(await view.getByRole('img', { name: /9 in all/ }).count()).toBe(1)
    await page.getByRole('button', { name: 'Stats' }).click()
    await page.getByRole('grid', { name: 'Jobs' }).waitFor()
  })
})
