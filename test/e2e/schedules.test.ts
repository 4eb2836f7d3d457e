import type { Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import type { Schedule, ScheduleDetail } from '../../src/shared/schedule'
import { PanelHarness, until } from './harness'

const panel = new PanelHarness()
let page: Page

/** Once a day, about twelve hours from now (UTC): it does not fire while the tests run. */
const HOUR = (new Date().getUTCHours() + 12) % 24
const CRON = `0 ${HOUR} * * *`

beforeAll(async () => {
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-schedules-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

const view = (): Locator => page.getByRole('region', { name: 'Schedules' })
const item = (name: string): Locator => view().locator('li.schedule', { has: page.getByRole('heading', { name, exact: true }) })
const schedules = async (): Promise<Schedule[]> => (await panel.api<{ schedules: Schedule[] }>('GET', '/api/schedules')).schedules

describe('the schedules view', () => {
  it('opens from the header, and with no schedules yet says how to begin', async () => {
    const button = page.getByRole('button', { name: 'Schedules' })
    await button.click()
    expect(await button.getAttribute('aria-pressed')).toBe('true')
    expect(await page.getByRole('button', { name: 'Stats' }).getAttribute('aria-pressed')).toBe('false')
    await view().getByRole('heading', { name: 'No schedules yet' }).waitFor()
    await view().getByRole('button', { name: '+ Create your first schedule' }).waitFor()
  })

  it('makes a schedule through the dialog: a bad pattern says why and cannot be saved, a good one shows its next five runs', async () => {
    await view().getByRole('button', { name: '+ Create your first schedule' }).click()
    const dialog = page.getByRole('dialog', { name: 'New schedule' })
    await dialog.waitFor()
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true)
    await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
    await dialog.getByLabel('command').fill('echo from a schedule')
    await dialog.getByLabel('Name (optional)').fill('Every day')
    // The zone starts as the browser's own.
    const zone = dialog.getByLabel('Time zone')
    expect(await zone.inputValue()).toBe(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone))
    await zone.fill('UTC')

    const cron = dialog.getByLabel('Cron pattern')
    const save = dialog.getByRole('button', { name: 'Save schedule' })
    expect(await save.isDisabled()).toBe(true)
    await cron.fill('61 * * * *')
    const problem = dialog.getByRole('alert')
    expect(await problem.textContent()).toBe('Invalid value for minute: 61')
    expect(await cron.getAttribute('aria-invalid')).toBe('true')
    expect(await cron.getAttribute('aria-describedby')).toContain(await problem.getAttribute('id'))
    expect(await save.isDisabled()).toBe(true)
    await cron.fill('0 9 * *')
    expect(await problem.textContent()).toMatch(/^Invalid configuration format/)

    await cron.fill(CRON)
    await problem.waitFor({ state: 'detached' })
    const next = dialog.getByRole('list', { name: 'Next runs' }).getByRole('listitem')
    expect(await next.count()).toBe(5)
    const times = await next.locator('time').evaluateAll((els) => els.map((el) => el.getAttribute('datetime')))
    expect(times.map((t) => new Date(t!).getUTCHours())).toEqual([HOUR, HOUR, HOUR, HOUR, HOUR])
    expect(times.map((t) => new Date(t!).getUTCMinutes())).toEqual([0, 0, 0, 0, 0])
    expect(await save.isDisabled()).toBe(false)
    await panel.shot('schedule-dialog')

    // A zone it does not know holds Save back too.
    await zone.fill('Mars/Olympus')
    expect(await dialog.getByRole('alert').textContent()).toMatch(/^Unknown time zone "Mars\/Olympus"/)
    expect(await save.isDisabled()).toBe(true)
    await zone.fill('UTC')

    await dialog.getByLabel('If the last run is still going').selectOption('queue')
    await dialog.getByText('It waits, and starts when the last one ends', { exact: false }).waitFor()
    await save.click()
    await dialog.waitFor({ state: 'detached' })
    await page.locator('.toast', { hasText: 'Scheduled "Every day"' }).waitFor()
    // Focus lands on the new schedule, not the page's body.
    await page.waitForFunction(() => document.activeElement?.textContent === 'Every day')

    const [saved] = await schedules()
    expect(saved).toMatchObject({
      name: 'Every day',
      cron: CRON,
      timezone: 'UTC',
      kind: 'shell',
      overlap: 'queue',
      params: { command: 'echo from a schedule' },
    })
  })

  it('lists it with its pattern, zone, kind and next run; expanded, its next five runs', async () => {
    const card = item('Every day')
    expect(await card.locator('code').textContent()).toBe(CRON)
    expect(await card.textContent()).toContain('UTC')
    expect(await card.locator('.kind').textContent()).toBe('shell')
    expect(await card.getByTestId('next-run').textContent()).toMatch(/^in 1[12] h( \d+ min)? · /)
    expect(await card.getByTestId('last-run').textContent()).toBe('not yet')
    const title = card.getByRole('button', { name: 'Every day' })
    expect(await title.getAttribute('aria-expanded')).toBe('false')
    await title.click()
    expect(await title.getAttribute('aria-expanded')).toBe('true')
    expect(await card.getByRole('list', { name: 'Next runs of Every day' }).getByRole('listitem').count()).toBe(5)
    await card.getByText('No runs yet.').waitFor()
  })

  it('the switch disables it and enables it again', async () => {
    const card = item('Every day')
    const toggle = card.getByRole('switch', { name: 'Enabled Every day' })
    expect(await toggle.isChecked()).toBe(true)
    await toggle.click()
    await until(schedules, ([s]) => s?.enabled === false, 'the schedule to be disabled')
    expect(await toggle.isChecked()).toBe(false)
    await card.getByTestId('next-run').getByText('off while disabled').waitFor()
    await toggle.press('Space')
    const [s] = await until(schedules, ([s]) => s?.enabled === true, 'the schedule to be enabled')
    expect(s!.nextRuns).toHaveLength(5)
    await card.getByTestId('next-run').getByText(/^in /).waitFor()
  })

  it('"Run now" queues a job, named in a toast; its outcome shows as the last run, in the history, and opens the job', async () => {
    const card = item('Every day')
    await card.getByRole('button', { name: 'Run now' }).click()
    await page.locator('.toast', { hasText: 'Queued "Every day"' }).waitFor()
    const { jobs } = await until(
      () => panel.api<{ jobs: Job[] }>('GET', '/api/jobs?q=Every%20day'),
      (r) => r.jobs[0]?.status === 'succeeded',
      'the job to succeed',
    )
    expect(jobs).toHaveLength(1)
    await card.getByTestId('last-run').locator('.badge', { hasText: 'succeeded' }).waitFor()
    const history = card.getByRole('table', { name: 'Recent runs of Every day' })
    await history.getByText('enqueued · succeeded').waitFor()
    await history.getByText('run by hand', { exact: false }).waitFor()
    await panel.shot('schedules-list')
    const [s] = await schedules()
    const detail = await panel.api<ScheduleDetail>('GET', `/api/schedules/${s!.id}`)
    expect(detail.history).toMatchObject([{ manual: true, state: 'enqueued', jobId: jobs[0]!.id }])

    await card.getByTestId('last-run').getByRole('button', { name: 'Open job' }).click()
    await page.getByRole('complementary', { name: 'Details of Every day' }).getByTestId('job-log').getByText('from a schedule').waitFor()
    expect(await page.getByRole('button', { name: 'Schedules' }).getAttribute('aria-pressed')).toBe('false')
    await page.getByRole('button', { name: 'Schedules' }).click()
    await item('Every day').waitFor()
  })

  it('editing shows the server’s word next to the field it is about, and saves what is changed', async () => {
    await item('Every day').getByRole('button', { name: 'Edit…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Edit schedule: Every day' })
    expect(await dialog.getByLabel('Cron pattern').inputValue()).toBe(CRON)
    expect(await dialog.getByLabel('command').inputValue()).toBe('echo from a schedule')
    expect(await dialog.getByLabel('If the last run is still going').inputValue()).toBe('queue')
    // The form knows ms is a whole number; only the kind knows it must not be negative.
    await dialog.getByLabel('Kind', { exact: true }).selectOption('sleep')
    await dialog.locator('#param-ms').fill('-5')
    await dialog.getByRole('button', { name: 'Save', exact: true }).click()
    const error = dialog.locator('#param-ms-error')
    await error.waitFor()
    expect(await error.getAttribute('role')).toBe('alert')
    expect(await dialog.locator('#param-ms').getAttribute('aria-describedby')).toBe('param-ms-error')
    expect((await schedules())[0]!.kind).toBe('shell')

    await dialog.locator('#param-ms').fill('5')
    // The lane's name and the slots' limit are the server's to say, at their fields.
    const { concurrency } = await panel.api<{ concurrency: number }>('GET', '/api/settings')
    await dialog.getByLabel('Lane (optional)').fill('Bad Lane')
    await dialog.getByRole('button', { name: 'Save', exact: true }).click()
    expect(await dialog.locator('#schedule-lane-error').textContent()).toMatch(/^A lane is a lowercase name like "encode"/)
    expect(await dialog.getByLabel('Lane (optional)').getAttribute('aria-invalid')).toBe('true')
    await dialog.getByLabel('Lane (optional)').fill('encode')
    await dialog.getByLabel('Slots').fill(String(concurrency + 1))
    await dialog.getByRole('button', { name: 'Save', exact: true }).click()
    expect(await dialog.locator('#schedule-slots-error').textContent()).toBe(
      `${concurrency + 1} slots is more than the ${concurrency} jobs Offload runs at once (the concurrency setting)`,
    )
    expect((await schedules())[0]).toMatchObject({ kind: 'shell', lane: null, slots: 1 })
    await dialog.getByLabel('Slots').fill(String(concurrency))
    await dialog.getByLabel('Name', { exact: true }).fill('Every day, napping')
    await dialog.getByRole('button', { name: 'Save', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await item('Every day, napping').waitFor()
    expect((await schedules())[0]).toMatchObject({
      name: 'Every day, napping',
      kind: 'sleep',
      params: { ms: 5 },
      cron: CRON,
      lane: 'encode',
      slots: concurrency,
    })
    // Focus went back to the button that opened the dialog.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Edit…')
  })

  it('deleting asks first; then it is gone, and the job it made stays', async () => {
    await item('Every day, napping').getByRole('button', { name: 'Delete…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete schedule “Every day, napping”?' })
    // The safe choice has focus.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep it')
    await dialog.getByRole('button', { name: 'Delete schedule' }).click()
    await dialog.waitFor({ state: 'detached' })
    await view().getByRole('heading', { name: 'No schedules yet' }).waitFor()
    expect(await schedules()).toEqual([])
    const { jobs } = await panel.api<{ jobs: Job[] }>('GET', '/api/jobs?q=Every%20day')
    expect(jobs).toHaveLength(1)
    await page.waitForFunction(() => document.activeElement?.textContent === '+ Create your first schedule')
    await panel.shot('schedules-empty')
  })

  it('what a schedule runs on its own shows without a reload', async () => {
    const often = await panel.api<Schedule>('POST', '/api/schedules', {
      name: 'Often',
      cron: '*/3 * * * * *',
      timezone: 'UTC',
      kind: 'shell',
      params: { command: 'true' },
    })
    // Made elsewhere (the command line): the list has it when the view opens.
    await page.getByRole('button', { name: 'Schedules' }).click()
    await page.getByRole('button', { name: 'Schedules' }).click()
    const card = item('Often')
    await card.waitFor()
    await card.getByTestId('last-run').locator('.badge', { hasText: 'succeeded' }).waitFor()
    expect(await card.getByTestId('next-run').textContent()).toMatch(/^(in \d s|due now) · /)
    await panel.api('DELETE', `/api/schedules/${often.id}`)
  })
})
