import { join } from 'node:path'
import { indexPathIn, openIndex } from '../src/main/kinds/documents/index-db'

export interface IndexedDocument {
  path: string
  folder: string
  title: string
  body: string
  size?: number
  mtimeMs?: number
}

/** The documents index of a data folder, filled as an index-documents job would: one row and its text per document. */
export function fillIndex(dataDir: string, documents: readonly IndexedDocument[]): string {
  const file = indexPathIn(join(dataDir, 'state'))
  const db = openIndex(file)
  try {
    const addDocument = db.prepare('INSERT INTO documents (path, folder, title, size, mtime_ms, indexed_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id')
    const addText = db.prepare('INSERT INTO documents_text (rowid, title, body) VALUES (?, ?, ?)')
    db.transaction(() => {
      for (const d of documents) {
        const { id } = addDocument.get(d.path, d.folder, d.title, d.size ?? d.body.length, d.mtimeMs ?? Date.UTC(2026, 0, 2), Date.now()) as { id: number }
        addText.run(id, d.title, d.body)
      }
    })()
  } finally {
    db.close()
  }
  return file
}

/** A few documents in two folders, with words the tests look for. */
export const SAMPLE_DOCUMENTS: readonly IndexedDocument[] = [
  {
    path: '/docs/reports/annual-budget.md',
    folder: '/docs/reports',
    title: 'Annual budget',
    body: 'The annual budget for the lighthouse restoration covers the lamp, the stairs and the keeper’s cottage.',
  },
  {
    path: '/docs/reports/minutes.txt',
    folder: '/docs/reports',
    title: 'minutes.txt',
    body: 'Minutes of the meeting: the committee agreed the lighthouse needs a new lamp before winter.',
  },
  {
    path: '/docs/letters/to-the-harbour.docx',
    folder: '/docs/letters',
    title: 'Letter to the harbour master',
    body: 'Dear harbour master, the ferry timetable changes in spring; the lighthouse keeper sends regards.',
  },
  {
    path: '/docs/letters-old/recipe.txt',
    folder: '/docs/letters-old',
    title: 'recipe.txt',
    body: 'Grandmother’s recipe for plum cake: flour, butter, plums, and patience.',
  },
]
