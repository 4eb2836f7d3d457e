import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page
const pane = (name: string) => page.getByRole('complementary', { name: `Details of ${name}` })
const LIVE = /^\d+% · \d+(\.\d)? (B|KB|MB|GB)$/
const ENDED = /^\d+(\.\d)? ?(ms|s|min)[^%]* · \d+(\.\d)? (B|KB|MB|GB)$/

beforeAll(async () => {
  await panel.open({ kinds: ['spin.mjs'] })
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-resources-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

describe('what a job takes, in the panel', () => {
  it('a running job’s row shows live CPU and memory; once done, its CPU time and peak, in the row, the pane and its try', async () => {
    // Long enough that the panel hears at least one live figure on a loaded machine; it ends on its own.
    await panel.api('POST', '/api/jobs', { kind: 'spin', name: 'Busy', params: { rounds: 6_000_000 } })
    const usage = panel.row('Busy').locator('.col-usage')
    await expect.poll(async () => (await usage.textContent()) ?? '', { timeout: 60_000 }).toMatch(LIVE)
    expect(await usage.getAttribute('title')).toMatch(/^Now: CPU \d+% \(100% is one core\), memory /)
    await panel.row('Busy').getByText('succeeded').waitFor({ timeout: 120_000 })
    await expect.poll(async () => (await usage.textContent()) ?? '').toMatch(ENDED)
    expect(await usage.getAttribute('title')).toMatch(/^Last try: CPU time .+, peak memory .+$/)

    await panel.row('Busy').click()
    const meta = pane('Busy').locator('.detail-meta .usage')
    expect(await meta.textContent()).toMatch(/^CPU time .+ · .+ peak$/)
    await expect.poll(async () => (await pane('Busy').locator('.attempts li').first().textContent()) ?? '').toMatch(/ · CPU time .+ · peak memory \d/)
  }, 180_000)

  it('a job that never ran shows no figures', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'spin', name: 'Stashed', hold: true, params: { rounds: 1 } })
    expect(await panel.row('Stashed').locator('.col-usage').textContent()).toBe('—')
  })
})
