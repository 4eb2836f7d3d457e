import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { openIndex, searchIndex, toMatchQuery } from '../../src/main/kinds/documents/index-db'
import { fillIndex, SAMPLE_DOCUMENTS } from '../documents-index'
import { tempDir } from '../helpers'

const sampleIndex = (): string => fillIndex(tempDir(), SAMPLE_DOCUMENTS)
const paths = (result: { hits: { path: string }[] }): string[] => result.hits.map((h) => h.path).sort()

describe('toMatchQuery', () => {
  it('quotes every word, requires them all and makes the last one a prefix', () => {
    expect(toMatchQuery('annual budg')).toBe('"annual" "budg"*')
  })

  it('takes operators, quotes and stars as words or drops them', () => {
    expect(toMatchQuery('lamp AND NOT "keeper* -stairs (NEAR')).toBe('"lamp" "AND" "NOT" "keeper" "stairs" "NEAR"*')
  })

  it('keeps letters and digits of any script, and gives null when nothing searchable is left', () => {
    expect(toMatchQuery('Café 2026 Ωμέγα')).toBe('"Café" "2026" "Ωμέγα"*')
    expect(toMatchQuery(' -- "" ** () ')).toBeNull()
  })
})

describe('searchIndex', () => {
  it('finds documents with all the words, the last as a prefix, best first', () => {
    const file = sampleIndex()
    const result = searchIndex(file, { q: 'lighthouse lam', limit: 20 })
    expect(paths(result)).toEqual(['/docs/reports/annual-budget.md', '/docs/reports/minutes.txt'])
    expect(result.indexed).toBe(4)
    expect(result.hits[0]!.rank).toBeLessThanOrEqual(result.hits[1]!.rank)
    expect(result.hits[0]).toMatchObject({ folder: '/docs/reports', modifiedAt: '2026-01-02T00:00:00.000Z' })
  })

  it('ranks a match in the title above one in the body alone', () => {
    const result = searchIndex(sampleIndex(), { q: 'budget', limit: 20 })
    expect(result.hits.map((h) => h.title)).toEqual(['Annual budget'])
    const harbour = searchIndex(sampleIndex(), { q: 'harbour', limit: 20 })
    expect(harbour.hits[0]!.title).toBe('Letter to the harbour master')
  })

  it('cuts the body into snippet parts, the matched words marked and the rest as it was', () => {
    const [hit] = searchIndex(sampleIndex(), { q: 'plum', limit: 20 }).hits
    expect(hit!.snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['plum', 'plums'])
    expect(hit!.snippet.map((p) => p.text).join('')).toBe(SAMPLE_DOCUMENTS[3]!.body)
  })

  it('keeps to a folder: documents under it, not those of a folder whose name only starts the same', () => {
    const file = sampleIndex()
    const letters = searchIndex(file, { q: 'the', folder: '/docs/letters', limit: 20 })
    expect(paths(letters)).toEqual(['/docs/letters/to-the-harbour.docx'])
    expect(letters.indexed).toBe(1)
    expect(searchIndex(file, { q: 'recipe', folder: '/docs/letters/', limit: 20 }).hits).toEqual([])
    expect(paths(searchIndex(file, { q: 'lighthouse', folder: '/docs', limit: 20 }))).toHaveLength(3)
  })

  it('takes words with quotes, operators and stray punctuation without an FTS5 syntax error', () => {
    const file = sampleIndex()
    // As an operator OR would find all four; as a word it is in none of them.
    expect(paths(searchIndex(file, { q: 'plum OR lighthouse', limit: 20 }))).toEqual([])
    expect(paths(searchIndex(file, { q: '"lamp" AND (stairs', limit: 20 }))).toEqual(['/docs/reports/annual-budget.md'])
    expect(paths(searchIndex(file, { q: 'lamp* -stairs"', limit: 20 }))).toEqual(['/docs/reports/annual-budget.md'])
    expect(searchIndex(file, { q: '*** ""', limit: 20 })).toMatchObject({ hits: [], indexed: 4 })
  })

  it('gives at most `limit` hits', () => {
    expect(searchIndex(sampleIndex(), { q: 'the', limit: 2 }).hits).toHaveLength(2)
  })

  it('answers an index not made yet with nothing indexed, and does not make it', () => {
    const file = join(tempDir(), 'state', 'index-documents', 'index.db')
    expect(searchIndex(file, { q: 'anything', limit: 20 })).toEqual({ hits: [], indexed: 0, tookMs: 0 })
    expect(existsSync(file)).toBe(false)
  })
})

describe('a word in most documents', () => {
  it('beyond 5,000 matches, shows the newest documents instead of ranking them all', () => {
    const documents = Array.from({ length: 5_001 }, (_, i) => ({
      path: `/many/doc-${String(i).padStart(5, '0')}.txt`,
      folder: '/many',
      title: `doc ${i}`,
      // The first document says "common" most often: ranked, it would come first.
      body: i === 0 ? 'common '.repeat(50) : `common words, number ${i}`,
    }))
    const file = fillIndex(tempDir(), documents)
    const hits = searchIndex(file, { q: 'common', limit: 3 }).hits.map((h) => h.path)
    expect(hits).toEqual(['/many/doc-05000.txt', '/many/doc-04999.txt', '/many/doc-04998.txt'])
    const ranked = fillIndex(tempDir(), documents.slice(0, 5_000))
    expect(searchIndex(ranked, { q: 'common', limit: 1 }).hits[0]!.path).toBe('/many/doc-00000.txt')
  })
})

describe('an index of an older layout', () => {
  it('is dropped when a job opens it for writing, so the next run reads every file again', () => {
    const file = join(tempDir(), 'index.db')
    const old = new Database(file)
    old.exec("CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO documents (path) VALUES ('/old.txt')")
    old.close()
    openIndex(file).close()
    const reopened = new Database(file, { readonly: true })
    expect(reopened.prepare('SELECT count(*) AS n FROM documents').get()).toEqual({ n: 0 })
    expect(reopened.pragma('user_version', { simple: true })).toBeGreaterThan(0)
    reopened.close()
  })
})
