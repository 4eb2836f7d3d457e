import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; failureSummary: string }[]
}

/** Lesser findings the panel keeps clear of too: everything inside a landmark, no empty column header. */
const ALSO_CHECKED = new Set(['region', 'empty-table-header'])

const panel = new PanelHarness()
let page: Page

/** axe-core's serious and critical findings on the page as it is now, one line each, for a readable failure. */
async function audit(): Promise<string[]> {
  // Evaluated over the devtools protocol, which the page's Content-Security-Policy does not govern (a script tag would be refused).
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate<Violation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`)
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || ALSO_CHECKED.has(v.id))
    .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id}: ${v.help} — ${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`))
}

beforeAll(async () => {
  await panel.open({ kinds: ['sleep.mjs'] })
  page = panel.page
  await panel.api('POST', '/api/jobs/batch', {
    jobs: [
      { kind: 'sleep', name: 'Done already', params: { ms: 0 } },
      { kind: 'shell', name: 'Broken', maxAttempts: 1, params: { command: 'ls /nowhere' } },
      { kind: 'sleep', name: 'Long', priority: 'high', params: { ms: 60_000 } },
      { kind: 'sleep', name: 'Cancel me', params: { ms: 60_000 } },
      ...Array.from({ length: 4 }, (_, i) => ({ kind: 'sleep', name: `Waiting ${i}`, params: { ms: 60_000 } })),
    ],
  })
  await panel.row('Broken').getByText('failed').waitFor()
  const { jobs } = await panel.api<{ jobs: { id: string; name: string }[] }>('GET', '/api/jobs?q=Cancel%20me')
  await panel.api('POST', `/api/jobs/${jobs[0]!.id}/cancel`)
  await panel.row('Cancel me').getByText('cancelled').waitFor()
  const nightly = await panel.api<{ id: string }>('POST', '/api/schedules', {
    name: 'Nightly',
    cron: '0 2 * * *',
    timezone: 'UTC',
    kind: 'shell',
    params: { command: 'true' },
  })
  await panel.api('POST', `/api/schedules/${nightly.id}/run`)
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-a11y-${task.name.replace(/\W+/g, '-')}`)
  await page.keyboard.press('Escape')
  await page.keyboard.press('Escape')
})

afterAll(() => panel.close())

for (const scheme of ['light', 'dark'] as const) {
  describe(`axe-core finds nothing serious, in the ${scheme} theme`, () => {
    beforeAll(() => page.emulateMedia({ colorScheme: scheme }))

    it('on the list, with a row selected', async () => {
      await page.getByRole('checkbox', { name: 'Select Done already' }).check()
      expect(await audit()).toEqual([])
      await page.getByRole('checkbox', { name: 'Select Done already' }).uncheck()
    })

    it('on a failed job’s details', async () => {
      await panel.row('Broken').click()
      await page.getByRole('complementary', { name: 'Details of Broken' }).getByText('The command exited with code 2').waitFor()
      expect(await audit()).toEqual([])
    })

    it('on the new-job dialog, with an error shown', async () => {
      await page.getByRole('button', { name: '+ New job' }).click()
      const dialog = page.getByRole('dialog', { name: 'New job' })
      await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
      await dialog.getByRole('button', { name: 'Queue job' }).click()
      await dialog.getByText('Required').waitFor()
      expect(await audit()).toEqual([])
    })

    it('on the settings', async () => {
      await page.getByRole('button', { name: 'Settings' }).click()
      await page.getByRole('dialog', { name: 'Settings' }).waitFor()
      expect(await audit()).toEqual([])
    })

    it('on the stats view', async () => {
      await page.getByRole('button', { name: 'Stats' }).click()
      await page.getByRole('region', { name: 'Stats' }).getByRole('table').waitFor()
      expect(await audit()).toEqual([])
      await page.getByRole('button', { name: 'Stats' }).click()
    })

    it('on the schedules view, a schedule open with its runs, and its dialog with a problem shown', async () => {
      await page.getByRole('button', { name: 'Schedules' }).click()
      const view = page.getByRole('region', { name: 'Schedules' })
      await view.getByRole('button', { name: 'Nightly' }).click()
      await view.getByRole('table', { name: 'Recent runs of Nightly' }).waitFor()
      expect(await audit()).toEqual([])
      await view.getByRole('button', { name: '+ New schedule' }).click()
      const dialog = page.getByRole('dialog', { name: 'New schedule' })
      await dialog.getByLabel('Cron pattern').fill('61 * * * *')
      await dialog.getByRole('alert').waitFor()
      expect(await audit()).toEqual([])
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'detached' })
      await page.getByRole('button', { name: 'Schedules' }).click()
    })

    it('on an error toast', async () => {
      await page.getByRole('checkbox', { name: 'Select Long' }).check()
      await page
        .getByRole('button', { name: /^Retry/ })
        .first()
        .click()
      await page.locator('.toast.error').waitFor()
      expect(await audit()).toEqual([])
      await page.getByRole('checkbox', { name: 'Select Long' }).uncheck()
    })
  })
}

describe('by keyboard alone', () => {
  beforeAll(() => page.emulateMedia({ colorScheme: 'light' }))

  /** What has focus: its role or tag, and its accessible label or text. */
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement
      return {
        role: el?.getAttribute('role') ?? el?.tagName.toLowerCase() ?? '',
        text: el?.getAttribute('aria-label') ?? el?.textContent ?? '',
        // Between the last control and the first, focus passes through the browser's own UI (the page's body has it then).
        outsideDialog: el !== null && el !== document.body && el.closest('dialog') === null,
      }
    })

  it('a dialog keeps focus while open and gives it back when closed', async () => {
    const opener = page.getByRole('button', { name: '+ New job' })
    await opener.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog', { name: 'New job' }).waitFor()
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab')
      expect(await focused()).toMatchObject({ outsideDialog: false })
    }
    await page.keyboard.press('Escape')
    await page.getByRole('dialog', { name: 'New job' }).waitFor({ state: 'detached' })
    expect((await focused()).text).toBe('+ New job')
  })

  it('Tab reaches the list as one stop; the arrows move along it, Enter opens, Space selects', async () => {
    await page.getByLabel('Search jobs by name').focus()
    let stops = 0
    while ((await focused()).role !== 'row' && stops++ < 15) await page.keyboard.press('Tab')
    const first = await focused()
    expect(first.role).toBe('row')
    await page.keyboard.press('ArrowDown')
    const second = await focused()
    expect(second.role).toBe('row')
    expect(second.text).not.toBe(first.text)
    await page.keyboard.press('Enter')
    const name = await page.evaluate(() => document.activeElement?.querySelector('.name')?.textContent ?? '')
    await page.getByRole('complementary', { name: `Details of ${name}` }).waitFor()
    await page.keyboard.press('Space')
    expect(await page.getByRole('checkbox', { name: `Select ${name}` }).isChecked()).toBe(true)
    await page.keyboard.press('Space')
    // Tab leaves the list rather than walking every row.
    await page.keyboard.press('Tab')
    expect((await focused()).role).not.toBe('row')
  })

  it('the status tabs move with the arrow keys, Home and End', async () => {
    const tab = (name: RegExp) => page.getByRole('tab', { name })
    await tab(/^All/).click()
    await page.keyboard.press('ArrowRight')
    expect(await tab(/^Held/).getAttribute('aria-selected')).toBe('true')
    expect((await focused()).text).toMatch(/^Held/)
    await page.keyboard.press('End')
    expect(await tab(/^Cancelled/).getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press('ArrowRight')
    expect(await tab(/^All/).getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press('ArrowLeft')
    expect(await tab(/^Cancelled/).getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press('Home')
    expect(await tab(/^All/).getAttribute('aria-selected')).toBe('true')
  })
})
