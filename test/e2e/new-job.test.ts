import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page

beforeAll(async () => {
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-new-job-${task.name.replace(/\W+/g, '-')}`)
  await page.keyboard.press('Escape')
  await page.keyboard.press('Escape')
})

afterAll(() => panel.close())

const jobNamed = async (name: string): Promise<Job> => {
  const { jobs } = await panel.api<{ jobs: Job[] }>('GET', `/api/jobs?q=${encodeURIComponent(name)}`)
  const job = jobs.find((j) => j.name === name)
  if (!job) throw new Error(`No job named ${name}`)
  return job
}

describe('the new-job form', () => {
  it('takes a script over several lines, a number of tries and a time limit', async () => {
    await page.getByRole('button', { name: '+ New job' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
    const command = dialog.getByLabel('command')
    expect(await command.evaluate((el) => el.tagName)).toBe('TEXTAREA')
    await command.fill('echo first\necho second')
    await dialog.getByLabel('Name (optional)').fill('Two lines')
    await dialog.getByLabel('Tries').fill('0')
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    expect(await dialog.getByRole('alert').textContent()).toBe('A whole number from 1 to 100')
    await dialog.getByLabel('Tries').fill('5')
    await dialog.getByLabel('Time limit per try').fill('90')
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await dialog.waitFor({ state: 'detached' })
    await panel.row('Two lines').getByText('succeeded').waitFor()
    const job = await jobNamed('Two lines')
    expect([job.maxAttempts, job.timeoutMs]).toEqual([5, 90_000])
    const { lines } = await panel.api<{ lines: { line: string }[] }>('GET', `/api/jobs/${job.id}/logs`)
    expect(lines.map((l) => l.line)).toEqual(expect.arrayContaining(['first', 'second']))
  })

  it('"Run again…" opens the form filled in from a finished job; what is edited is what runs', async () => {
    await panel.api('POST', '/api/jobs', {
      kind: 'shell',
      name: 'Original',
      priority: 'high',
      maxAttempts: 2,
      timeoutMs: 30_000,
      params: { command: 'echo "$GREETING"', env: { GREETING: 'hello' } },
    })
    await panel.row('Original').getByText('succeeded').waitFor()
    await panel.row('Original').click()
    await page.getByRole('complementary', { name: 'Details of Original' }).getByRole('button', { name: 'Run again…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Run again: Original' })
    expect(await dialog.getByLabel('Kind', { exact: true }).inputValue()).toBe('shell')
    expect(await dialog.getByLabel('command').inputValue()).toBe('echo "$GREETING"')
    expect(await dialog.getByLabel('env').inputValue()).toBe('GREETING=hello')
    expect(await dialog.getByLabel('Name (optional)').inputValue()).toBe('Original')
    expect(await dialog.getByLabel('Priority').inputValue()).toBe('high')
    expect(await dialog.getByLabel('Tries').inputValue()).toBe('2')
    expect(await dialog.getByLabel('Time limit per try').inputValue()).toBe('30')
    await dialog.getByLabel('env').fill('GREETING=bonjour')
    await dialog.getByLabel('Name (optional)').fill('Again')
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await panel.row('Again').getByText('succeeded').waitFor()
    const again = await jobNamed('Again')
    expect(again).toMatchObject({ priority: 'high', maxAttempts: 2, timeoutMs: 30_000, params: { command: 'echo "$GREETING"', env: { GREETING: 'bonjour' } } })
    const { lines } = await panel.api<{ lines: { line: string }[] }>('GET', `/api/jobs/${again.id}/logs`)
    expect(lines.map((l) => l.line)).toContain('bonjour')
    // The original is untouched.
    expect((await jobNamed('Original')).params).toEqual({ command: 'echo "$GREETING"', env: { GREETING: 'hello' } })
  })

  it('"Start at" schedules the job: it waits in the Scheduled tab with its time, and "Run now" runs it', async () => {
    await page.getByRole('button', { name: '+ New job' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
    await dialog.getByLabel('command').fill('echo later')
    await dialog.getByLabel('Name (optional)').fill('For later')
    // Two hours on, on the browser's own clock, as a datetime-local value.
    const at = new Date(Date.now() + 2 * 3600_000)
    const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
    await dialog.getByLabel('Start at (optional)').fill(local)
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await dialog.waitFor({ state: 'detached' })
    const job = await jobNamed('For later')
    expect(job.status).toBe('scheduled')
    expect(Math.abs(Date.parse(job.runAfter) - at.getTime())).toBeLessThan(60_000)

    await page.getByRole('tab', { name: /^Scheduled/ }).click()
    await panel
      .row('For later')
      .getByText(/^runs at .* · in 1 h 5\d min$|^runs at .* · in 2 h 0 min$/)
      .waitFor()
    const pane = page.getByRole('complementary', { name: 'Details of For later' })
    await pane
      .getByRole('status')
      .getByText(/^Runs at /)
      .waitFor()
    await pane.getByRole('button', { name: 'Run now' }).click()
    // Due now, it leaves the Scheduled tab and runs.
    await panel.row('For later').waitFor({ state: 'detached' })
    await page.getByRole('tab', { name: /^All/ }).click()
    await panel.row('For later').getByText('succeeded').waitFor()
  })

  it('takes a lane and a number of slots; the server’s word on too many slots shows at the field', async () => {
    const { concurrency } = await panel.api<{ concurrency: number }>('GET', '/api/settings')
    await page.getByRole('button', { name: '+ New job' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
    await dialog.getByLabel('command').fill('echo wide')
    await dialog.getByLabel('Name (optional)').fill('Wide one')
    await dialog.getByLabel('Lane (optional)').fill('encode')
    await dialog.getByLabel('Slots').fill(String(concurrency + 1))
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    const slotsError = dialog.locator('#new-job-slots-error')
    expect(await slotsError.textContent()).toBe(`${concurrency + 1} slots is more than the ${concurrency} jobs Offload runs at once (the concurrency setting)`)
    await dialog.getByLabel('Slots').fill(String(concurrency))
    await dialog.getByRole('button', { name: 'Queue job' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect(await jobNamed('Wide one')).toMatchObject({ lane: 'encode', slots: concurrency })
    const meta = page.getByRole('complementary', { name: 'Details of Wide one' }).locator('.detail-meta')
    await meta.getByText('lane encode').waitFor()
    expect(await meta.textContent()).toContain(concurrency > 1 ? `${concurrency} slots` : 'lane encode')
    expect(await panel.row('Wide one').locator('.kind').textContent()).toBe('shell · lane encode')
  })
})
