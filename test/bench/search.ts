/**
 * Search latency over a big documents index: 100,000 generated documents of
 * a few KB each, words drawn from a Zipf distribution (a few words very
 * common, a long tail of rare ones, as in real text), spread over folders;
 * then `searchIndex` timed over a few hundred varied questions as the
 * Search view asks them (common words, rare words, several words, prefixes
 * as one types; everywhere and in one folder).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openIndex, searchIndex } from '../../src/main/kinds/documents/index-db'

const VOCABULARY = 30_000
const FOLDERS = 40
const QUERIES = 400
/** The Search view's question. */
const LIMIT = 50

/** A small seeded generator (mulberry32): the same index and questions on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SYLLABLES = 'ka lo mi ne ru sa ti vo be da fe gi ho ju ko la me ni po qu re si tu va we xi yo ze an el in on ur ast ent ing ion'.split(' ')

/** Distinct pronounceable words, the most frequent first (short, as common words are). */
function vocabulary(rand: () => number): string[] {
  const words = new Set<string>()
  while (words.size < VOCABULARY) {
    const syllables = 1 + Math.floor(words.size < 200 ? rand() * 2 : 1 + rand() * 3)
    let w = ''
    for (let i = 0; i < syllables; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)]
    words.add(w)
  }
  return [...words]
}

/** Draws word ranks with probability ∝ 1/rank^1.07, Zipf's law as measured on English. */
function zipf(rand: () => number, n: number): () => number {
  const cumulative = new Float64Array(n)
  let sum = 0
  for (let r = 0; r < n; r++) cumulative[r] = sum += 1 / Math.pow(r + 1, 1.07)
  return () => {
    const x = rand() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
const round = (n: number, digits = 1): number => Number(n.toFixed(digits))

function fill(file: string, documents: number, words: string[], rank: () => number, rand: () => number): void {
  const db = openIndex(file)
  try {
    const addDocument = db.prepare('INSERT INTO documents (id, path, folder, title, size, mtime_ms, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    const addText = db.prepare('INSERT INTO documents_text (rowid, title, body) VALUES (?, ?, ?)')
    const sentence = (length: number): string => {
      const out: string[] = []
      for (let i = 0; i < length; i++) out.push(words[rank()]!)
      return out.join(' ')
    }
    const BATCH = 2_000
    for (let start = 1; start <= documents; start += BATCH) {
      db.transaction(() => {
        for (let id = start; id < Math.min(documents + 1, start + BATCH); id++) {
          const folder = `/bench/folder-${String(id % FOLDERS).padStart(2, '0')}`
          const title = sentence(2 + Math.floor(rand() * 4))
          // 300–900 words, about 2–6 KB of text, in sentences.
          const sentences: string[] = []
          for (let n = 300 + Math.floor(rand() * 600); n > 0; n -= 12) sentences.push(`${sentence(12)}.`)
          const body = sentences.join(' ')
          addDocument.run(id, `${folder}/doc-${id}.txt`, folder, title, body.length, Date.UTC(2026, 0, 1) + id * 1000, Date.now())
          addText.run(id, title, body)
        }
      })()
    }
  } finally {
    db.close()
  }
}

/** Questions as people type them: a fifth each of common, mid, rare words, pairs, and prefixes; every third kept to one folder. */
function questions(words: string[], rand: () => number): { q: string; folder?: string }[] {
  const pick = (from: number, to: number): string => words[from + Math.floor(rand() * (to - from))]!
  const out: { q: string; folder?: string }[] = []
  for (let i = 0; i < QUERIES; i++) {
    const shape = i % 5
    const q =
      shape === 0
        ? pick(0, 50)
        : shape === 1
          ? pick(500, 3000)
          : shape === 2
            ? pick(10_000, VOCABULARY)
            : shape === 3
              ? `${pick(0, 300)} ${pick(300, 5000)}`
              : // The start of a word, as typed so far: two to four letters of a common or a mid word.
                pick(0, 2000).slice(0, 2 + Math.floor(rand() * 3))
    out.push(i % 3 === 0 ? { q, folder: `/bench/folder-${String(Math.floor(rand() * FOLDERS)).padStart(2, '0')}` } : { q })
  }
  return out
}

/** Fills `file` with the generated documents; returns the questions to ask of it. */
export function buildSearchIndex(file: string, documents: number): { q: string; folder?: string }[] {
  const rand = random(13)
  const words = vocabulary(rand)
  const built = performance.now()
  fill(file, documents, words, zipf(rand, words.length), rand)
  console.log(`search: indexed ${documents.toLocaleString('en')} documents in ${round((performance.now() - built) / 1000)} s`)
  return questions(words, rand)
}

export async function searchBench(documents = 100_000): Promise<{ searchP50Ms: number; searchP95Ms: number; documents: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'offload-bench-search-'))
  try {
    const file = join(dir, 'index.db')
    const asked = buildSearchIndex(file, documents)
    // A first pass warms the page cache, as a person's first few questions would.
    for (const query of asked.slice(0, 20)) searchIndex(file, { ...query, limit: LIMIT })
    const times: number[] = []
    const byShape = new Map<string, number[]>()
    for (const [i, query] of asked.entries()) {
      const start = performance.now()
      searchIndex(file, { ...query, limit: LIMIT })
      const ms = performance.now() - start
      times.push(ms)
      const shape = `${['common', 'mid', 'rare', 'pair', 'prefix'][i % 5]}${query.folder ? '+folder' : ''}`
      byShape.set(shape, [...(byShape.get(shape) ?? []), ms])
    }
    for (const [shape, ms] of [...byShape].sort()) {
      const sorted = ms.sort((a, b) => a - b)
      console.log(`search: ${shape}: p50 ${round(percentile(sorted, 0.5))} ms, p95 ${round(percentile(sorted, 0.95))} ms, max ${round(sorted.at(-1)!)} ms`)
    }
    times.sort((a, b) => a - b)
    return { searchP50Ms: round(percentile(times, 0.5)), searchP95Ms: round(percentile(times, 0.95)), documents }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
