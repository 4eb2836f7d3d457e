import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page

beforeAll(async () => {
  await panel.open({ viewport: { width: 800, height: 600 }, kinds: ['sleep.mjs', 'broken-throws.mjs'] })
  page = panel.page
  await panel.api('POST', '/api/jobs/batch', {
    jobs: [
      { kind: 'shell', name: 'A job with a rather long name that goes on and on', params: { command: 'echo hello' } },
      { kind: 'shell', name: 'Broken', maxAttempts: 1, params: { command: 'ls /nowhere' } },
    ],
  })
  await panel.row('Broken').getByText('failed').waitFor()
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-layout-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

/** How far the page itself scrolls sideways (it must not). */
const sidewaysOverflow = (): Promise<number> => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')

/** Buttons in the header taller than one line of text have wrapped ("Pause / all"). */
const wrappedHeaderButtons = (): Promise<string[]> =>
  page.evaluate<string[]>(`[...document.querySelectorAll('.header button')].filter((b) => b.getBoundingClientRect().height > 34).map((b) => b.textContent)`)

describe('narrow windows', () => {
  for (const [width, height] of [
    [800, 600],
    [1024, 768],
  ] as const) {
    it(`at ${width}×${height} nothing scrolls sideways, with or without a job open, and the header wraps cleanly`, async () => {
      await page.setViewportSize({ width, height })
      expect(await sidewaysOverflow()).toBe(0)
      expect(await wrappedHeaderButtons()).toEqual([])
      await panel.row('Broken').click()
      const pane = page.getByRole('complementary', { name: 'Details of Broken' })
      await pane.getByText('The command exited with code 2').waitFor()
      expect(await sidewaysOverflow()).toBe(0)
      // The pane is all on screen, and so is the list's first column.
      const box = (await pane.boundingBox())!
      expect(box.x + box.width).toBeLessThanOrEqual(width + 1)
      expect((await page.getByRole('checkbox', { name: 'Select Broken' }).boundingBox())!.x).toBeGreaterThanOrEqual(0)
      await panel.shot(`narrow-${width}-detail`)
      await page.keyboard.press('Escape')
      await panel.shot(`narrow-${width}-list`)
    })
  }

  it('pausing and resuming swap in place: the buttons beside them do not move', async () => {
    await page.setViewportSize({ width: 1024, height: 768 })
    const settings = page.getByRole('button', { name: 'Settings' })
    const before = (await settings.boundingBox())!.x
    await page.getByRole('button', { name: '❚❚ Pause all' }).click()
    await page.getByRole('button', { name: '▶ Resume' }).waitFor()
    expect((await settings.boundingBox())!.x).toBe(before)
    // Hard to miss: a banner says so, with what waits.
    await panel.api('POST', '/api/jobs', { kind: 'sleep', params: { ms: 1 } })
    const banner = page.getByRole('status').filter({ hasText: 'Paused' })
    await banner.getByText('1 job waits; nothing new starts.', { exact: false }).waitFor()
    await banner.getByRole('button', { name: 'Resume' }).click()
    await page.getByRole('button', { name: '❚❚ Pause all' }).waitFor()
    await banner.waitFor({ state: 'detached' })
  })

  it('the new-job form says which kinds could not be loaded, and why', async () => {
    await page.getByRole('button', { name: '+ New job' }).click()
    const note = page.getByRole('dialog', { name: 'New job' }).getByRole('note', { name: 'Kinds that could not be loaded' })
    expect(await note.textContent()).toContain('broken-throws.mjs: this kind refuses to load')
    await page.keyboard.press('Escape')
  })
})
