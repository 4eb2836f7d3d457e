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
  if (task.result?.state === 'fail') await panel.shot(`failed-live-${task.name.replace(/\W+/g, '-')}`)
  await page.keyboard.press('Escape')
  await page.getByRole('tab', { name: /^All/ }).click()
})

afterAll(() => panel.close())

/** Samples `read` every `everyMs` until `until` is true, and returns everything it read. */
async function sample<T>(read: () => Promise<T>, until: () => Promise<boolean>, everyMs = 40): Promise<T[]> {
  const seen: T[] = []
  while (!(await until())) {
    seen.push(await read())
    await page.waitForTimeout(everyMs)
  }
  return seen
}

describe('the list while jobs come and go', () => {
  it('the Running tab never shows a job that has already finished', async () => {
    await page.getByRole('tab', { name: /^Running/ }).click()
    await panel.api('POST', '/api/jobs/batch', { jobs: Array.from({ length: 10 }, (_, i) => ({ kind: 'sleep', name: `Quick ${i}`, params: { ms: 250 } })) })
    const list = page.getByTestId('job-list')
    await list.getByText('running').first().waitFor()
    const finished = async () => ((await panel.api<{ counts: Record<string, number> }>('GET', '/api/stats')).counts.succeeded ?? 0) >= 10
    const badges = await sample(() => list.locator('.badge').allTextContents(), finished)
    expect(badges.length).toBeGreaterThan(5)
    expect(badges.flat().filter((b) => b !== 'running')).toEqual([])
  })

  it('the list and the open pane show the same running time, second by second', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Steady', params: { ms: 5000 } })
    await panel.row('Steady').getByText('running').waitFor()
    await panel.row('Steady').click()
    const pane = page.getByRole('complementary', { name: 'Details of Steady' })
    await pane.waitFor()
    // Both read in one go in the page: two reads from here could straddle the clock's tick.
    const pairs = await sample(
      () =>
        page.evaluate(() => {
          const row = [...document.querySelectorAll('[role="row"][data-job-id]')].find((r) => r.textContent?.includes('Steady'))
          const pane = document.querySelector('[aria-label="Details of Steady"] .duration')
          return [row?.querySelector('.col-duration')?.textContent ?? null, pane?.textContent ?? null]
        }),
      async () => (await panel.row('Steady').locator('.badge').textContent()) !== 'running',
      150,
    )
    expect(pairs.length).toBeGreaterThan(10)
    expect(pairs.filter(([row, detail]) => row !== detail)).toEqual([])
  })

  it('a new job at the top gets a row of its own: rows are never handed from one job to another', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Older', params: { ms: 0 } })
    await panel.row('Older').getByText('succeeded').waitFor()
    const older = await panel.row('Older').elementHandle()
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Newer', params: { ms: 3000 } })
    await panel.row('Newer').waitFor()
    expect(await older.textContent()).toContain('Older')
    expect(await older.evaluate((el) => el.isConnected)).toBe(true)
  })

  it('a job that has just begun says nothing of time left until there is a pace to judge', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Fresh', params: { ms: 3000 } })
    await panel.row('Fresh').getByText('running').waitFor()
    const texts = await sample(
      () => panel.row('Fresh').locator('.percent').textContent(),
      async () => (await panel.row('Fresh').locator('.badge').textContent()) !== 'running',
      100,
    )
    expect(texts.filter((t) => t?.includes('—'))).toEqual([])
  })
})
