import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import type { Watch } from '../../src/shared/watch'
import { PanelHarness, until } from './harness'

const panel = new PanelHarness()
let page: Page
/** The folders the watches look at; gone with the tests. */
let root = ''
let inbox = ''

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'offload-e2e-watched-'))
  inbox = join(root, 'inbox')
  mkdirSync(inbox)
  await panel.open()
  page = panel.page
})

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail') await panel.shot(`failed-watches-${task.name.replace(/\W+/g, '-')}`)
})

afterAll(async () => {
  await panel.close()
  rmSync(root, { recursive: true, force: true })
})

const view = (): Locator => page.getByRole('region', { name: 'Watches' })
const item = (path: string): Locator => view().locator('li.watch', { has: page.getByRole('heading', { name: path, exact: true }) })
const watches = async (): Promise<Watch[]> => (await panel.api<{ watches: Watch[] }>('GET', '/api/watches')).watches
const watchesButton = (): Locator => page.getByRole('button', { name: 'Watches', exact: true })

/** Fills the dialog's folder, files, kind (shell, with its command) and settle time. */
async function fill(dialog: Locator, { path, glob, command }: { path: string; glob: string; command: string }): Promise<void> {
  await dialog.getByLabel('Folder', { exact: true }).fill(path)
  await dialog.getByLabel('Files matching').fill(glob)
  await dialog.getByLabel('Kind', { exact: true }).selectOption('shell')
  await dialog.getByLabel('command').fill(command)
  await dialog.getByLabel('Settle time').fill('0.2')
}

describe('the watches view', () => {
  it('opens from the header, and with no watches yet says what a watch does and how to add one', async () => {
    await watchesButton().click()
    expect(await watchesButton().getAttribute('aria-pressed')).toBe('true')
    expect(await page.getByRole('button', { name: 'Schedules' }).getAttribute('aria-pressed')).toBe('false')
    const empty = view()
      .getByRole('status')
      .filter({ has: page.getByRole('heading', { name: 'No watches yet' }) })
    expect(await empty.textContent()).toContain('into a job')
    await empty.getByRole('button', { name: '+ Add a watch' }).waitFor()
  })

  it('adds a watch through the dialog: the defaults, the template hint, then the watch listed as watching', async () => {
    await view().getByRole('button', { name: '+ Add a watch' }).click()
    const dialog = page.getByRole('dialog', { name: 'New watch' })
    await dialog.waitFor()
    // The folder has focus; the defaults are the server's.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('watch-path')
    expect(await dialog.getByLabel('Files matching').inputValue()).toBe('*')
    expect(await dialog.getByLabel('Include subfolders').isChecked()).toBe(true)
    expect(await dialog.getByLabel('Settle time').inputValue()).toBe('2')
    expect(await dialog.getByLabel('Enabled: files that arrive become jobs').isChecked()).toBe(true)
    await dialog.getByText('*.pdf matches PDFs in subfolders too; invoices/*.pdf only that folder', { exact: false }).waitFor()
    const template = dialog.getByRole('group', { name: 'Each file’s job' })
    expect(await template.textContent()).toContain('{{path}} becomes the file’s full path')

    await fill(dialog, { path: inbox, glob: '*.txt', command: 'echo "got {{name}}"; wc -c < "{{path}}"' })
    await panel.shot('watch-dialog')
    await dialog.getByRole('button', { name: 'Save watch' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.locator('.toast', { hasText: `Watching ${inbox}` }).waitFor()
    // Focus lands on the new watch, not the page's body.
    await page.waitForFunction((path) => document.activeElement?.textContent === path, inbox)

    const card = item(inbox)
    await card.getByTestId('watch-state').getByText('Watching', { exact: true }).waitFor()
    expect(await card.locator('.kind').textContent()).toBe('shell')
    expect(await card.getByTestId('handed-over').textContent()).toBe('No files handed over yet')
    expect(await card.textContent()).toContain('*.txt, subfolders included')
    const [saved] = await watches()
    expect(saved).toMatchObject({
      path: inbox,
      glob: '*.txt',
      recursive: true,
      kind: 'shell',
      paramsTemplate: { command: 'echo "got {{name}}"; wc -c < "{{path}}"' },
      settleMs: 200,
      enabled: true,
      state: 'watching',
    })
  })

  it('a file written into the folder is handed over: the count goes to 1, and its job is in the list and opens', async () => {
    writeFileSync(join(inbox, 'note.txt'), 'twelve bytes')
    const card = item(inbox)
    await card
      .getByTestId('handed-over')
      .getByText(/^1 file handed over, last just now · /)
      .waitFor()
    const [w] = await watches()
    expect(w!.handedOver).toBe(1)
    await panel.shot('watches-list')

    await card.getByRole('button', { name: 'Open job' }).click()
    expect(await watchesButton().getAttribute('aria-pressed')).toBe('false')
    await page.getByRole('complementary', { name: 'Details of note.txt' }).getByTestId('job-log').getByText('got note.txt').waitFor()
    await panel.row('note.txt').waitFor()
    const { jobs } = await panel.api<{ jobs: Job[] }>('GET', '/api/jobs?q=note.txt')
    expect(jobs.map((j) => j.id)).toEqual([w!.lastJobId])
    await watchesButton().click()
    await item(inbox).waitFor()
  })

  it('a watch on a folder not there yet shows "missing" and why, then watches once the folder is made', async () => {
    const later = join(root, 'later')
    await view().getByRole('button', { name: '+ Add a watch' }).click()
    const dialog = page.getByRole('dialog', { name: 'New watch' })
    await fill(dialog, { path: later, glob: '*', command: 'true' })
    await dialog.getByRole('button', { name: 'Save watch' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.locator('.toast', { hasText: `Saved: watching starts when ${later} appears` }).waitFor()

    const card = item(later)
    await card.getByTestId('watch-state').getByText('Missing').waitFor()
    expect(await card.getByTestId('watch-message').textContent()).toContain(`No folder at ${later}; watching starts when it appears`)
    expect(await card.evaluate((el) => el.classList.contains('watch-problem'))).toBe(true)
    await panel.shot('watches-missing')

    mkdirSync(later)
    // Without a reload: the view reads the watches again on its own.
    await card.getByTestId('watch-state').getByText('Watching', { exact: true }).waitFor()
    await card.getByTestId('watch-message').waitFor({ state: 'detached' })
    expect(await card.evaluate((el) => el.classList.contains('watch-problem'))).toBe(false)
  })

  it('bad input shows the server’s word at the field it names, and stores nothing', async () => {
    const file = join(root, 'a-file.txt')
    writeFileSync(file, 'not a folder')
    const before = (await watches()).map((w) => w.id)
    await view().getByRole('button', { name: '+ Add a watch' }).click()
    const dialog = page.getByRole('dialog', { name: 'New watch' })
    await fill(dialog, { path: file, glob: '*', command: 'true' })
    const save = dialog.getByRole('button', { name: 'Save watch' })
    await save.click()

    const folder = dialog.getByLabel('Folder', { exact: true })
    const error = dialog.locator('#watch-path-error')
    expect(await error.textContent()).toBe('A file, not a folder')
    expect(await error.getAttribute('role')).toBe('alert')
    expect(await folder.getAttribute('aria-invalid')).toBe('true')
    expect(await folder.getAttribute('aria-describedby')).toContain('watch-path-error')

    // A relative path: the server says what it wants.
    await folder.fill('inbox')
    await error.waitFor({ state: 'detached' })
    await save.click()
    expect(await error.textContent()).toBe('Must be an absolute path')

    // A placeholder the template does not know, at the param that has it.
    await folder.fill(join(root, 'elsewhere'))
    await dialog.getByLabel('command').fill('cat {{file}}')
    await save.click()
    expect(await dialog.locator('#param-command-error').textContent()).toBe('Unknown placeholder {{file}}; use {{path}}, {{name}} or {{dir}}')

    // A settle time out of bounds is held back before it is sent.
    await dialog.getByLabel('command').fill('cat {{path}}')
    await dialog.getByLabel('Settle time').fill('0.01')
    await save.click()
    expect(await dialog.locator('#watch-settle-error').textContent()).toBe('Seconds, from 0.1 to 600')
    await panel.shot('watch-dialog-errors')

    // A name that cannot be a lane: the server says what a lane may be called, at the field.
    await dialog.getByLabel('Settle time').fill('0.2')
    await dialog.getByLabel('Lane (optional)').fill('Bad Lane')
    await save.click()
    expect(await dialog.locator('#watch-lane-error').textContent()).toMatch(/^A lane is a lowercase name like "encode"/)
    expect(await dialog.getByLabel('Lane (optional)').getAttribute('aria-invalid')).toBe('true')

    expect((await watches()).map((w) => w.id)).toEqual(before)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect((await watches()).map((w) => w.id)).toEqual(before)
  })

  it('the switch disables a watch and enables it again', async () => {
    const card = item(inbox)
    const toggle = card.getByRole('switch', { name: `Enabled ${inbox}` })
    expect(await toggle.isChecked()).toBe(true)
    await toggle.click()
    await until(watches, (ws) => ws.find((w) => w.path === inbox)?.enabled === false, 'the watch to be disabled')
    await card.getByTestId('watch-state').getByText('Disabled').waitFor()
    expect(await toggle.isChecked()).toBe(false)
    await toggle.press('Space')
    await until(watches, (ws) => ws.find((w) => w.path === inbox)?.state === 'watching', 'the watch to be watching again')
    await card.getByTestId('watch-state').getByText('Watching', { exact: true }).waitFor()
    expect(await toggle.isChecked()).toBe(true)
  })

  it('editing keeps what was there and saves what is changed', async () => {
    await item(inbox).getByRole('button', { name: 'Edit…' }).click()
    const dialog = page.getByRole('dialog', { name: `Edit watch: ${inbox}` })
    expect(await dialog.getByLabel('Files matching').inputValue()).toBe('*.txt')
    expect(await dialog.getByLabel('Settle time').inputValue()).toBe('0.2')
    expect(await dialog.getByLabel('command').inputValue()).toBe('echo "got {{name}}"; wc -c < "{{path}}"')
    expect(await dialog.getByLabel('Lane (optional)').inputValue()).toBe('')
    await dialog.getByLabel('Include subfolders').uncheck()
    await dialog.getByLabel('Settle time').fill('0.3')
    await dialog.getByLabel('Lane (optional)').fill('encode')
    await dialog.getByRole('button', { name: 'Save', exact: true }).click()
    await dialog.waitFor({ state: 'detached' })
    await item(inbox).getByText('*.txt, this folder only').waitFor()
    expect((await watches()).find((w) => w.path === inbox)).toMatchObject({
      recursive: false,
      settleMs: 300,
      glob: '*.txt',
      kind: 'shell',
      lane: 'encode',
      slots: 1,
    })
    // Focus went back to the button that opened the dialog.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Edit…')
  })

  it('axe-core finds nothing serious on the list, a problem shown, nor on the dialog with an error', async () => {
    const missing = await panel.api<Watch>('POST', '/api/watches', { path: join(root, 'gone'), kind: 'shell', paramsTemplate: { command: 'true' } })
    await item(missing.path).getByTestId('watch-state').getByText('Missing').waitFor()
    expect(await seriousFindings()).toEqual([])
    await view().getByRole('button', { name: '+ Add a watch' }).click()
    const dialog = page.getByRole('dialog', { name: 'New watch' })
    await dialog.getByRole('button', { name: 'Save watch' }).click()
    await dialog.locator('#watch-path-error').waitFor()
    expect(await seriousFindings()).toEqual([])
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await panel.api('DELETE', `/api/watches/${missing.id}`)
  })

  it('deleting asks first; then the watch is gone, and the job it made stays', async () => {
    const later = join(root, 'later')
    await item(later).getByRole('button', { name: 'Delete…' }).click()
    const dialog = page.getByRole('dialog', { name: `Delete the watch on ${later}?` })
    // The safe choice has focus.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep it')
    await page.keyboard.press('Enter')
    await dialog.waitFor({ state: 'detached' })
    expect((await watches()).map((w) => w.path)).toContain(later)

    for (const path of [later, inbox]) {
      await item(path).getByRole('button', { name: 'Delete…' }).click()
      await page
        .getByRole('dialog', { name: `Delete the watch on ${path}?` })
        .getByRole('button', { name: 'Delete watch' })
        .click()
      await item(path).waitFor({ state: 'detached' })
    }
    await page.locator('.toast', { hasText: `Stopped watching ${inbox}` }).waitFor()
    await view().getByRole('heading', { name: 'No watches yet' }).waitFor()
    expect(await watches()).toEqual([])
    const { jobs } = await panel.api<{ jobs: Job[] }>('GET', '/api/jobs?q=note.txt')
    expect(jobs).toHaveLength(1)
    await page.waitForFunction(() => document.activeElement?.textContent === '+ Add a watch')
  })
})

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core's serious and critical findings (as the accessibility test counts them), one line each. */
async function seriousFindings(): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE)
  return page.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'region' || v.id === 'empty-table-header')
    .flatMap((v) => v.nodes.map((n) => v.id + ': ' + v.help + ' — ' + n.target.join(' '))))`)
}
