import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BUILTIN_KINDS } from '../../src/main/kinds/builtin'
import { fillIndex, SAMPLE_DOCUMENTS } from '../documents-index'
import { PanelHarness } from './harness'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

const panel = new PanelHarness()
let page: Page

const view = (): Locator => page.getByRole('region', { name: 'Search' })
const box = (): Locator => view().getByRole('searchbox', { name: 'Search documents' })
const hits = (): Locator => view().getByRole('list', { name: 'Search results' }).getByRole('listitem')
/** The hits once the answer to what the box holds is in (until then the last answer stays on screen). */
async function answered(count: number): Promise<void> {
  await view().locator('#search-meta').filter({ hasNotText: 'Searching…' }).waitFor()
  expect(await hits().count()).toBe(count)
}
const searchButton = (): Locator => page.getByRole('button', { name: 'Search', exact: true })
const focusedId = (): Promise<string> => page.evaluate(() => document.activeElement?.id ?? '')

/** A document whose title and words look like markup: the panel must show them as text. */
const MARKUP = {
  path: '/docs/web/page.html',
  folder: '/docs/web',
  title: '<b>Bold</b> claims',
  body: 'The lighthouse page says <img src=x onerror="document.title=\'owned\'"> in plain words.',
}

beforeAll(async () => {
  await panel.open()
  page = panel.page
  // Until the index-documents kind is built in, a stand-in of that name makes the empty state's button appear.
  if (!BUILTIN_KINDS.some((k) => k.name === 'index-documents')) {
    await panel.stopServer()
    writeFileSync(
      join(panel.dataDir, 'kinds', 'index-documents.mjs'),
      "export default { name: 'index-documents', description: 'Stand-in', params: (z) => z.object({ folder: z.string() }), run: () => null }\n",
    )
    await panel.startServer()
    await page.getByText('Connected').waitFor()
  }
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-search-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(() => panel.close())

describe('the search view', () => {
  it('opens from the header with the box focused, and with nothing indexed says how to index a folder', async () => {
    await searchButton().click()
    expect(await searchButton().getAttribute('aria-pressed')).toBe('true')
    expect(await box().evaluate((el) => el === document.activeElement)).toBe(true)
    await box().fill('lighthouse')
    const empty = view()
      .getByRole('status')
      .filter({ has: page.getByRole('heading', { name: 'No documents are indexed yet' }) })
    expect(await empty.textContent()).toContain('index-documents')
    await empty.getByRole('button', { name: 'Index a folder…' }).click()
    const dialog = page.getByRole('dialog', { name: 'New job' })
    expect(await dialog.getByLabel('Kind', { exact: true }).inputValue()).toBe('index-documents')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
  })

  it('finds as one types: titles, paths, the matched words marked, the count and the time', async () => {
    fillIndex(panel.dataDir, [...SAMPLE_DOCUMENTS, MARKUP])
    await box().fill('')
    await box().pressSequentially('lighthouse lam', { delay: 20 })
    await answered(2)
    expect(await hits().getByRole('heading').allTextContents()).toEqual(expect.arrayContaining(['Annual budget', 'minutes.txt']))
    const minutes = hits().filter({ has: page.getByRole('heading', { name: 'minutes.txt' }) })
    expect(await minutes.getByText('/docs/reports/minutes.txt', { exact: true }).count()).toBe(1)
    expect(await minutes.locator('mark').allTextContents()).toEqual(['lighthouse', 'lamp'])
    expect(await minutes.locator('.hit-snippet').textContent()).toBe(SAMPLE_DOCUMENTS[1]!.body)
    expect(await view().locator('#search-meta').textContent()).toMatch(/^2 hits in (<1|\d+) ms · 5 documents indexed$/)
    await panel.shot('search-hits')
  })

  it('shows a document’s markup as the text it is, never as HTML', async () => {
    await box().fill('plain words')
    await answered(1)
    const hit = hits().first()
    expect(await hit.getByRole('heading').textContent()).toBe('<b>Bold</b> claims')
    expect(await hit.locator('.hit-snippet').textContent()).toContain('<img src=x onerror=')
    expect(await view().locator('img, b').count()).toBe(0)
    expect(await page.title()).not.toBe('owned')
  })

  it('says when nothing matches', async () => {
    await box().fill('zeppelin')
    await view().getByRole('heading', { name: 'Nothing matches “zeppelin”' }).waitFor()
    expect(await hits().count()).toBe(0)
  })

  it('in the browser offers to copy a hit’s path, not to open it', async () => {
    await box().fill('recipe')
    await answered(1)
    expect(await hits().first().getByRole('button', { name: 'Copy path of recipe.txt' }).count()).toBe(1)
    expect(
      await view()
        .getByRole('button', { name: /^(Open|Show) / })
        .count(),
    ).toBe(0)
  })

  it('Ctrl+K from another view focuses the box; the arrows go through the hits and back; / returns to the box', async () => {
    await searchButton().click()
    expect(await searchButton().getAttribute('aria-pressed')).toBe('false')
    await page.keyboard.press('Control+k')
    expect(await box().evaluate((el) => el === document.activeElement)).toBe(true)
    await box().fill('the')
    await answered(4)
    await page.keyboard.press('ArrowDown')
    expect(await focusedId()).toBe('search-hit-0')
    await page.keyboard.press('ArrowDown')
    expect(await focusedId()).toBe('search-hit-1')
    expect(await hits().nth(1).getAttribute('class')).toContain('selected')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowUp')
    expect(await box().evaluate((el) => el === document.activeElement)).toBe(true)
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('/')
    expect(await box().evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await box().inputValue()).toBe('the')
  })

  for (const scheme of ['light', 'dark'] as const) {
    it(`axe-core finds nothing serious on the hits, in the ${scheme} theme`, async () => {
      await page.emulateMedia({ colorScheme: scheme })
      await box().fill('lighthouse')
      await answered(4)
      if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE)
      const found = await page.evaluate<{ id: string; impact: string | null; nodes: { target: string[]; failureSummary: string }[] }[]>(
        `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
      )
      const serious = found.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'region')
      expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary.replace(/\s+/g, ' ')})`).join(', ')}`)).toEqual([])
    })
  }
})
