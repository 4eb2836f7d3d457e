import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fillIndex, SAMPLE_DOCUMENTS } from '../documents-index'
import { offload, startFileServer, type FileServer } from '../cli-helpers'

let server: FileServer
const cli = (args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) => offload(['--data', server.data, ...args], options)

beforeAll(async () => {
  server = await startFileServer()
})

afterAll(() => server.stop())

describe('offload search', () => {
  it('with nothing indexed says how to index a folder', async () => {
    const run = await cli(['search', 'lighthouse'])
    expect([run.code, run.stdout]).toEqual([0, ''])
    expect(run.stderr).toBe('No documents are indexed yet — run `offload add index-documents --param folder=...`\n')
  })

  it('prints ranked hits: title, path and the snippet with the matched words marked', async () => {
    fillIndex(server.data, SAMPLE_DOCUMENTS)
    const run = await cli(['search', 'plum', 'cak'])
    expect(run.code).toBe(0)
    expect(run.stdout).toBe(
      ['1. recipe.txt', '   /docs/letters-old/recipe.txt', '   Grandmother’s recipe for [plum] [cake]: flour, butter, [plums], and patience.', '', ''].join(
        '\n',
      ),
    )
    expect(run.stderr).toMatch(/^1 hit \(4 documents indexed; \d+ms\)\n$/)
  })

  it('keeps to a folder, relative to where it is run, and to a limit', async () => {
    const run = await cli(['search', 'lighthouse', '--folder', 'docs/letters'], { cwd: '/' })
    expect(run.stdout.split('\n').filter((l) => /^\d+\. /.test(l))).toEqual(['1. Letter to the harbour master'])
    expect(run.stderr).toMatch(/^1 hit \(1 document indexed under \/docs\/letters; /)
    const limited = await cli(['search', 'the', '--limit', '2', '--json'])
    const answer = JSON.parse(limited.stdout)
    expect(answer.hits).toHaveLength(2)
    expect(answer.indexed).toBe(4)
    expect(answer.hits[0]).toMatchObject({ path: expect.stringMatching(/^\/docs\//), snippet: expect.arrayContaining([{ text: 'the', match: true }]) })
  })

  it('says when nothing matches, and refuses a bad limit naming the flag', async () => {
    const none = await cli(['search', 'zeppelin'])
    expect([none.code, none.stdout]).toEqual([0, ''])
    expect(none.stderr).toMatch(/^Nothing matches “zeppelin” \(4 documents indexed; /)
    const bad = await cli(['search', 'lamp', '--limit', '500'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^offload: --limit: /)
    const notNumber = await cli(['search', 'lamp', '--limit', 'ten'])
    expect([notNumber.code, notNumber.stderr]).toEqual([2, 'offload: --limit: a whole number of hits, from 1 to 200, got "ten"\n'])
  })

  it('marks matches plainly for a pipe even with NO_COLOR unset (colour is for a terminal)', async () => {
    const run = await offload(['--data', server.data, 'search', 'plum'], { env: { NO_COLOR: '' } })
    expect(run.stdout).toContain('[plum]')
    expect(run.stdout).not.toContain('\x1b[')
  })
})
