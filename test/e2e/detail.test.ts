import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page
const pane = (name: string) => page.getByRole('complementary', { name: `Details of ${name}` })

beforeAll(async () => {
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-detail-${task.name.replace(/\W+/g, '-')}`)
  await page.keyboard.press('Escape')
})

afterAll(() => panel.close())

describe('the detail pane, as a person reads it', () => {
  it('a job that fails and is retried shows every try in the open pane, without reopening it', async () => {
    const marker = `${panel.dataDir}/tries-${Date.now()}`
    await panel.api('POST', '/api/jobs', {
      kind: 'shell',
      name: 'Third time lucky',
      maxAttempts: 3,
      params: { command: `n=$(cat ${marker} 2>/dev/null || echo 0); echo $((n+1)) > ${marker}; echo "try $((n+1))"; [ $n -ge 2 ]` },
    })
    await panel.row('Third time lucky').click()
    const tries = pane('Third time lucky').locator('.attempts li')
    await tries.nth(2).filter({ hasText: 'succeeded' }).waitFor({ timeout: 20_000 })
    expect(await tries.allTextContents()).toEqual([
      expect.stringMatching(/^Try 1: failed .* exit code 1/),
      expect.stringMatching(/^Try 2: failed .* exit code 1/),
      expect.stringMatching(/^Try 3: succeeded/),
    ])
    await pane('Third time lucky').getByTestId('job-log').getByText('try 3').waitFor()
  })

  it('while a job waits for its next try it says when that comes, and why the last one failed', async () => {
    // The first try fails while the queue is paused, so the wait for the second lasts as long as the test needs (a backoff of
    // up to a second, with jitter, is too short to watch reliably on a loaded machine).
    await panel.api('POST', '/api/jobs', { kind: 'shell', name: 'Backing off', maxAttempts: 3, params: { command: 'sleep 1; echo "no network" >&2; exit 7' } })
    await panel.row('Backing off').getByText('running').waitFor()
    await panel.api('POST', '/api/queue/pause')
    try {
      await panel.row('Backing off').click()
      const note = pane('Backing off').getByRole('status').filter({ hasText: 'Retrying' })
      await note.waitFor({ timeout: 15_000 })
      expect(await note.locator('p').first().textContent()).toBe('Retrying once the queue is resumed (try 2 of 3)')
      expect(await note.getByRole('alert').textContent()).toContain('no network')
      await panel.api('POST', '/api/queue/resume')
      // Resumed, it goes on: tries 2 and 3 fail the same way.
      await panel.row('Backing off').getByText('failed').waitFor({ timeout: 20_000 })
    } finally {
      await panel.api('POST', '/api/queue/resume')
    }
  })

  it('a failure leads with a plain reason and the last lines; a cancelled job is not an error', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'shell', name: 'Missing folder', maxAttempts: 1, params: { command: 'ls /no/such/folder' } })
    await panel.row('Missing folder').getByText('failed').waitFor()
    await panel.row('Missing folder').click()
    const failure = pane('Missing folder').getByRole('alert', { name: 'Why it failed' })
    expect(await failure.locator('.headline').textContent()).toBe('The command exited with code 2')
    expect(await failure.getByLabel('Its last lines').textContent()).toMatch(/No such file or directory/)
    // Wrapped, not cut off: nothing scrolls sideways inside the box.
    const overflow = await failure.getByLabel('Its last lines').evaluate((el) => el.scrollWidth - el.clientWidth)
    expect(overflow).toBeLessThanOrEqual(1)
    await panel.shot('failed-detail-readable')
    await page.keyboard.press('Escape')

    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Not needed', params: { ms: 600_000 } })
    await panel.row('Not needed').getByText('running').waitFor()
    await panel.row('Not needed').click()
    await pane('Not needed').getByRole('button', { name: 'Cancel (C)' }).click()
    await pane('Not needed').getByText('Cancelled — cancelled by the user.').waitFor()
    expect(await pane('Not needed').getByRole('alert').count()).toBe(0)
    expect(await pane('Not needed').getByRole('heading', { name: 'Result' }).count()).toBe(0)
  })

  it('the log follows the end until you scroll up to read, and says how many earlier lines were not kept', async () => {
    await panel.api('POST', '/api/jobs', {
      kind: 'shell',
      name: 'Long talker',
      params: { command: 'for i in $(seq 1 2600); do echo "line $i"; done; for i in $(seq 1 60); do echo "more $i"; sleep 0.1; done' },
    })
    await panel.row('Long talker').click()
    const log = pane('Long talker').getByTestId('job-log')
    await log.getByText('more 5', { exact: true }).waitFor({ timeout: 20_000 })
    await pane('Long talker')
      .getByText(/^\d[\d,]* earlier lines not kept$/)
      .waitFor()
    const atEnd = (): Promise<boolean> => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 30)
    expect(await atEnd()).toBe(true)
    await log.evaluate((el) => el.scrollTo({ top: 0 }))
    await page.waitForTimeout(2500)
    expect(await log.evaluate((el) => el.scrollTop)).toBe(0)
    expect(await log.getAttribute('data-following')).toBe('false')
    await pane('Long talker').getByRole('button', { name: 'Follow the end' }).click()
    await page.waitForTimeout(1500)
    expect(await atEnd()).toBe(true)
  })

  it('opening a job with a long result keeps its title and actions in view', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'shell', name: 'Big result', params: { command: 'seq 1 400' } })
    await panel.row('Big result').getByText('succeeded').waitFor()
    await panel.row('Big result').click()
    await pane('Big result').getByTestId('job-log').getByText('400', { exact: true }).waitFor()
    expect(await pane('Big result').evaluate((el) => el.scrollTop)).toBe(0)
    expect(await page.evaluate('document.scrollingElement.scrollTop')).toBe(0)
  })

  it('a held job waits in the Held tab until released from its pane; the toolbar releases them all', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'shell', name: 'Stashed', hold: true, params: { command: 'echo out of the stash' } })
    for (const name of ['Stashed two', 'Stashed three']) await panel.api('POST', '/api/jobs', { kind: 'shell', name, hold: true, params: { command: 'true' } })
    await page.getByRole('tab', { name: /^Held/ }).click()
    await panel.row('Stashed three').waitFor()
    await page.getByRole('tab', { name: /^Held\s*3$/ }).waitFor()
    await panel.row('Stashed').first().getByText('held').waitFor()
    await panel.row('Stashed three').click()
    await pane('Stashed three').getByRole('button', { name: 'Release' }).click()
    await panel.row('Stashed three').waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Release all held (2)' }).click()
    await page.getByRole('heading', { name: 'Nothing held' }).waitFor()
    await page.getByText('A job added with “hold” waits here until you release it.').waitFor()
    await page.getByRole('tab', { name: /^All/ }).click()
    for (const name of ['Stashed three', 'Stashed two']) await panel.row(name).getByText('succeeded').waitFor()
  })
})
