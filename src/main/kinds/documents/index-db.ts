import Database from 'better-sqlite3'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import type { SearchHit, SearchResult, SnippetPart } from '../../../shared/search'

/**
 * The documents index: its own SQLite file in the index-documents kind's
 * state folder, written by that kind's workers and read by the host for
 * search. It is not the jobs database: a big index must never slow down or
 * endanger the queue.
 */
export const INDEX_FILE = 'index.db'

/** The index file under a data folder's state folder (`<data>/state`). */
export const indexPathIn = (stateRoot: string): string => join(stateRoot, 'index-documents', INDEX_FILE)

export interface IndexOpenOptions {
  readonly?: boolean
  /** better-sqlite3's addon built for the running runtime (Electron's, in the desktop app). */
  nativeBinding?: string
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  folder TEXT NOT NULL,
  title TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  indexed_at INTEGER NOT NULL,
  -- Why its text could not be read; such a document is kept (so it is not re-read every run) with no text.
  error TEXT,
  -- 1 when it has pages or pictures whose words were left unread because OCR was off: a run with OCR reads it again.
  needs_ocr INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS documents_folder ON documents (folder);
-- Prefix indexes for 2 and 3 characters: the Search view asks for the word being typed as a prefix, and a
-- short one would otherwise merge the lists of hundreds of terms (p95 ~250 ms over 100,000 documents).
CREATE VIRTUAL TABLE IF NOT EXISTS documents_text USING fts5 (title, body, tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3');
`

/** Bumped when the tables change; an index of another version is dropped and the next run reads every file again (it is only a cache of them). */
const SCHEMA_VERSION = 2

/** Above this many matches, ranking them all costs more than it tells (the word is in most documents): the newest are shown. */
const RANKED_MATCHES = 5000

/**
 * Opens (and, unless read-only, creates) the index. Writers wait for each
 * other: two index jobs may run at once, each writing short transactions.
 */
export function openIndex(file: string, options: IndexOpenOptions = {}): Database.Database {
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file, {
    ...(options.readonly ? { readonly: true, fileMustExist: true } : {}),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  })
  try {
    db.pragma('busy_timeout = 10000')
    if (!options.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      migrate(db)
    }
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

function migrate(db: Database.Database): void {
  if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return
  db.transaction(() => {
    // Two jobs may open an old index at once: only the first to take the write lock rebuilds it.
    if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return
    db.exec('DROP TABLE IF EXISTS documents_text; DROP TABLE IF EXISTS documents;')
    db.exec(SCHEMA)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  }).immediate()
}

/** SQLite's BETWEEN-free prefix range: every path under `folder` sorts in [folder/, folder0). */
function pathRange(folder: string): [string, string] {
  const base = folder.endsWith(sep) ? folder.slice(0, -1) : folder
  return [base + sep, base + String.fromCharCode(sep.charCodeAt(0) + 1)]
}

/**
 * A person's words as an FTS5 query: each word quoted (so `AND`, `-` or a
 * stray quote are only words), all required, the last one a prefix so the
 * results follow the typing. Null when nothing searchable is left.
 */
export function toMatchQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}]+/gu)
  if (!words) return null
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ')
}

const MARK_OPEN = '\uE000'
const MARK_CLOSE = '\uE001'

function snippetParts(marked: string): SnippetPart[] {
  const parts: SnippetPart[] = []
  for (const [i, piece] of marked.split(new RegExp(`[${MARK_OPEN}${MARK_CLOSE}]`)).entries()) {
    if (piece !== '') parts.push({ text: piece, match: i % 2 === 1 })
  }
  return parts
}

interface HitRow {
  path: string
  folder: string
  title: string
  size: number
  mtime_ms: number
  snippet: string
  score: number
}

/** Ranked hits with highlighted snippets; an index that does not exist yet holds nothing. */
export function searchIndex(
  file: string,
  query: { q: string; folder?: string | undefined; limit: number },
  options: Omit<IndexOpenOptions, 'readonly'> = {},
): SearchResult {
  const started = performance.now()
  if (!existsSync(file)) return { hits: [], indexed: 0, tookMs: 0 }
  const db = openIndex(file, { ...options, readonly: true })
  try {
    const range = query.folder === undefined ? null : pathRange(query.folder)
    const where = range ? 'WHERE d.path >= ? AND d.path < ?' : ''
    const indexed = (db.prepare(`SELECT count(*) AS n FROM documents d ${where}`).get(...(range ?? [])) as { n: number }).n
    const match = toMatchQuery(query.q)
    let hits: SearchHit[] = []
    if (match !== null) {
      // Counting stops at the cap and scores nothing, so it is cheap even for a word in every document.
      const matches = (
        db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM documents_text WHERE documents_text MATCH ? LIMIT ${RANKED_MATCHES + 1})`).get(match) as {
          n: number
        }
      ).n
      const rows = db
        .prepare(
          `SELECT d.path, d.folder, d.title, d.size, d.mtime_ms,
                  snippet(documents_text, 1, '${MARK_OPEN}', '${MARK_CLOSE}', '…', 16) AS snippet,
                  ${matches > RANKED_MATCHES ? '0.0' : 'bm25(documents_text, 4.0, 1.0)'} AS score
           FROM documents_text JOIN documents d ON d.id = documents_text.rowid
           WHERE documents_text MATCH ? ${range ? 'AND d.path >= ? AND d.path < ?' : ''}
           ORDER BY ${matches > RANKED_MATCHES ? 'documents_text.rowid DESC' : 'score'} LIMIT ?`,
        )
        .all(match, ...(range ?? []), query.limit) as HitRow[]
      hits = rows.map((r) => ({
        path: r.path,
        folder: r.folder,
        title: r.title,
        snippet: snippetParts(r.snippet),
        rank: r.score,
        size: r.size,
        modifiedAt: new Date(r.mtime_ms).toISOString(),
      }))
    }
    return { hits, indexed, tookMs: performance.now() - started }
  } finally {
    db.close()
  }
}

/** What the index remembers of a file, to tell whether it changed. */
export interface KnownDocument {
  id: number
  size: number
  mtimeMs: number
  /** Why its text could not be read, when it could not. */
  error: string | null
  needsOcr: boolean
}

/** One document as read: its text, or why there is none. */
export interface DocumentRecord {
  path: string
  folder: string
  title: string
  size: number
  mtimeMs: number
  /** Null when the text could not be read (then `error` says why). */
  text: string | null
  error: string | null
  needsOcr: boolean
}

/** The writing side of the index: each change is one transaction, so a job stopped at any moment leaves it whole. */
export interface IndexWriter {
  /** Every document under `folder` (at any depth), by path. */
  known(folder: string): Map<string, KnownDocument>
  /** Adds or replaces a document and its text. */
  put(doc: DocumentRecord): void
  /** Drops documents and their text. */
  remove(ids: readonly number[]): void
}

/** Removals are batched: one transaction per document would make dropping a deleted folder of 100,000 files slow. */
const REMOVE_BATCH = 500

export function indexWriter(db: Database.Database): IndexWriter {
  const knownRows = db.prepare<[string, string], { id: number; path: string; size: number; mtime_ms: number; error: string | null; needs_ocr: number }>(
    'SELECT id, path, size, mtime_ms, error, needs_ocr FROM documents WHERE path >= ? AND path < ?',
  )
  const upsert = db.prepare<[string, string, string, number, number, number, string | null, number], { id: number }>(
    `INSERT INTO documents (path, folder, title, size, mtime_ms, indexed_at, error, needs_ocr) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (path) DO UPDATE SET folder = excluded.folder, title = excluded.title, size = excluded.size, mtime_ms = excluded.mtime_ms,
       indexed_at = excluded.indexed_at, error = excluded.error, needs_ocr = excluded.needs_ocr
     RETURNING id`,
  )
  const dropText = db.prepare<[number]>('DELETE FROM documents_text WHERE rowid = ?')
  const addText = db.prepare<[number, string, string]>('INSERT INTO documents_text (rowid, title, body) VALUES (?, ?, ?)')
  const dropDocument = db.prepare<[number]>('DELETE FROM documents WHERE id = ?')

  const put = db.transaction((doc: DocumentRecord) => {
    const { id } = upsert.get(doc.path, doc.folder, doc.title, doc.size, doc.mtimeMs, Date.now(), doc.error, doc.needsOcr ? 1 : 0)!
    dropText.run(id)
    if (doc.text !== null) addText.run(id, doc.title, doc.text)
  })
  const removeBatch = db.transaction((ids: readonly number[]) => {
    for (const id of ids) {
      dropText.run(id)
      dropDocument.run(id)
    }
  })

  return {
    known(folder) {
      const known = new Map<string, KnownDocument>()
      for (const r of knownRows.iterate(...pathRange(folder))) {
        known.set(r.path, { id: r.id, size: r.size, mtimeMs: r.mtime_ms, error: r.error, needsOcr: r.needs_ocr === 1 })
      }
      return known
    },
    put: (doc) => put(doc),
    remove(ids) {
      for (let i = 0; i < ids.length; i += REMOVE_BATCH) removeBatch(ids.slice(i, i + REMOVE_BATCH))
    },
  }
}
