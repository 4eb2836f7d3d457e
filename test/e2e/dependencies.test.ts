import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page
const pane = (name: string) => page.getByRole('complementary', { name: `Details of ${name}` })

async function idOf(name: string): Promise<string> {
  const { jobs } = await panel.api<{ jobs: { id: string; name: string }[] }>('GET', `/api/jobs?q=${encodeURIComponent(name)}`)
  const job = jobs.find((j) => j.name === name)
  if (!job) throw new Error(`No job named ${name}`)
  return job.id
}

beforeAll(async () => {
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-dependencies-${task.name.replace(/\W+/g, '-')}`)
  await page.keyboard.press('Escape')
})

afterAll(() => panel.close())

describe('a job’s dependencies in its detail pane', () => {
  it('shows the jobs it waits for and those waiting for it, and each link opens that job', async () => {
    // A runs until the test ends, so B and C wait as long as the test needs.
    await panel.api('POST', '/api/jobs/batch', {
      jobs: [
        { kind: 'sleep', name: 'Fetch sources', params: { ms: 600_000 } },
        { kind: 'sleep', name: 'Build', params: { ms: 10 }, after: ['#0'] },
        { kind: 'sleep', name: 'Package', params: { ms: 10 }, after: ['#1'] },
      ],
    })
    await panel.row('Fetch sources').getByText('running').waitFor()
    await panel.row('Build').click()
    const build = pane('Build')
    await build.getByRole('button', { name: 'parent: Fetch sources, running' }).waitFor()
    await build.getByRole('button', { name: 'child: Package, waiting' }).waitFor()
    expect(await build.getByRole('heading', { name: 'Dependencies' }).count()).toBe(1)
    expect(await build.locator('.dependencies').getByText('Waiting for 1 of the 1 job it depends on to succeed').count()).toBe(1)
    await panel.shot('dependencies-build')

    await build.getByRole('button', { name: 'child: Package, waiting' }).click()
    const pkg = pane('Package')
    await pkg.getByRole('button', { name: 'parent: Build, waiting' }).waitFor()
    expect(await pane('Build').count()).toBe(0)
    expect(await pkg.getByRole('button', { name: /^child: / }).count()).toBe(0)
    // The link's button went with the old pane: focus lands on the new one's title, not on the page.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Package')

    // And back, by keyboard alone.
    const focused = (): Promise<string | null> => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? null)
    for (let tabs = 0; tabs < 10 && (await focused()) !== 'parent: Build, waiting'; tabs++) await page.keyboard.press('Tab')
    expect(await focused()).toBe('parent: Build, waiting')
    await page.keyboard.press('Enter')
    await pane('Build').getByRole('button', { name: 'parent: Fetch sources, running' }).waitFor()
    await panel.api('POST', `/api/jobs/${await idOf('Fetch sources')}/cancel`)
  })

  it('a new child, and a change in a relative, show in the open pane without reopening it', async () => {
    await panel.api('POST', '/api/jobs/batch', {
      jobs: [
        { kind: 'sleep', name: 'Held parent', hold: true, params: { ms: 10 } },
        { kind: 'sleep', name: 'Middle', params: { ms: 10 }, after: ['#0'] },
      ],
    })
    await panel.row('Middle').click()
    const middle = pane('Middle')
    await middle.getByRole('button', { name: 'parent: Held parent, held' }).waitFor()
    expect(await middle.getByRole('button', { name: /^child: / }).count()).toBe(0)

    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Late child', params: { ms: 10 }, after: [await idOf('Middle')] })
    await middle.getByRole('button', { name: 'child: Late child, waiting' }).waitFor()

    // The parent fails, so does Middle, and so its child: every box follows.
    await panel.api('POST', `/api/jobs/${await idOf('Held parent')}/cancel`)
    await middle.getByRole('button', { name: 'parent: Held parent, cancelled' }).waitFor()
    await middle.getByRole('button', { name: 'child: Late child, failed' }).waitFor()
    expect(await middle.getByText(/^Waiting for/).count()).toBe(0)
  })

  it('draws a dozen relatives a side and counts the rest', async () => {
    await panel.api('POST', '/api/jobs/batch', {
      jobs: [
        { kind: 'sleep', name: 'Held root', hold: true, params: { ms: 10 } },
        ...Array.from({ length: 15 }, (_, i) => ({ kind: 'sleep', name: `Leaf ${i + 1}`, params: { ms: 10 }, after: ['#0'] })),
      ],
    })
    await panel.row('Held root').click()
    const root = pane('Held root')
    await root.getByText('and 3 more').waitFor()
    expect(await root.getByRole('button', { name: /^child: Leaf \d+, waiting$/ }).count()).toBe(12)
    expect(await root.getByRole('button', { name: /^parent: / }).count()).toBe(0)
    // No parents: no "Waiting for" note either.
    expect(await root.getByText(/^Waiting for/).count()).toBe(0)
  })

  it('a job with no dependencies shows no such section', async () => {
    await panel.api('POST', '/api/jobs', { kind: 'sleep', name: 'Loner', params: { ms: 10 } })
    await panel.row('Loner').getByText('succeeded').waitFor()
    await panel.row('Loner').click()
    await pane('Loner').getByRole('heading', { name: 'Log' }).waitFor()
    // Give the dependencies' read time to come back empty.
    await page.waitForTimeout(500)
    expect(await pane('Loner').getByRole('heading', { name: 'Dependencies' }).count()).toBe(0)
  })
})
