import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PanelHarness } from './harness'

const panel = new PanelHarness()
let page: Page
let folder = ''

beforeAll(async () => {
  await panel.open({ kinds: [] })
  page = panel.page
  folder = mkdtempSync(join(tmpdir(), 'offload-e2e-dups-'))
})

afterAll(async () => {
  await panel.close()
  rmSync(folder, { recursive: true, force: true })
})

describe('duplicates, from the panel', () => {
  it('a succeeded find-duplicates job offers to move its extra copies, and queues the move', async () => {
    const photos = join(folder, 'photos')
    const to = join(folder, 'set aside')
    mkdirSync(join(photos, 'copy'), { recursive: true })
    writeFileSync(join(photos, 'a.jpg'), 'the same picture')
    writeFileSync(join(photos, 'copy', 'a.jpg'), 'the same picture')
    await panel.api('POST', '/api/jobs', { kind: 'find-duplicates', name: 'Look for copies', params: { folder: photos } })
    await panel.row('Look for copies').getByText('succeeded').waitFor({ timeout: 20_000 })
    await panel.row('Look for copies').click()

    await page.getByRole('button', { name: 'Move extra copies…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Move extra copies' })
    expect(await dialog.locator('p').first().textContent()).toMatch(/^1 extra copy \(16 B\) in 1 group will be moved/)
    // Inside the folder searched: the server says no, next to the field.
    await dialog.getByLabel('Move them to').fill(join(photos, 'dups'))
    await dialog.getByRole('button', { name: 'Queue the move' }).click()
    await dialog.getByRole('alert').filter({ hasText: 'Must not be inside the folder' }).waitFor()

    await dialog.getByLabel('Move them to').fill(to)
    await dialog.getByRole('button', { name: 'Queue the move' }).click()
    await dialog.waitFor({ state: 'detached' })
    await panel.row('move-duplicates').getByText('succeeded').waitFor({ timeout: 20_000 })
    expect(readFileSync(join(to, 'copy', 'a.jpg'), 'utf8')).toBe('the same picture')
    expect([existsSync(join(photos, 'a.jpg')), existsSync(join(photos, 'copy', 'a.jpg'))]).toEqual([true, false])
  })
})
