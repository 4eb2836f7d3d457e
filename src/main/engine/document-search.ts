import { SqliteError } from 'better-sqlite3'
import { existsSync } from 'node:fs'
import type { ParsedInput } from '../../shared/api'
import type { SearchResult } from '../../shared/search'
import { indexPathIn, openIndex, searchIndex } from '../kinds/documents/index-db'

export type DocumentSearch = (query: ParsedInput<'searchDocuments'>) => SearchResult

/**
 * Search over the documents index in a data folder's state folder. The host
 * only reads it (index-documents workers write it), opening it per query so
 * a job that replaces or removes it is never held off by this process.
 */
export function createDocumentSearch(stateRoot: string, nativeBinding?: string): DocumentSearch {
  const file = indexPathIn(stateRoot)
  return (query) => {
    try {
      return searchIndex(file, query, nativeBinding ? { nativeBinding } : {})
    } catch (error) {
      // A first index job has made the file but not yet its tables: nothing is indexed yet.
      if (error instanceof SqliteError && /no such table/.test(error.message)) return { hits: [], indexed: 0, tookMs: 0 }
      throw error
    }
  }
}

/**
 * Whether `path` is a document of the index: the desktop app opens only
 * those for its window, so a page that has gone wrong cannot have any file
 * opened (or a program run) by asking.
 */
export function createIndexedCheck(stateRoot: string, nativeBinding?: string): (path: string) => boolean {
  const file = indexPathIn(stateRoot)
  return (path) => {
    if (!existsSync(file)) return false
    const db = openIndex(file, { readonly: true, ...(nativeBinding ? { nativeBinding } : {}) })
    try {
      return db.prepare('SELECT 1 FROM documents WHERE path = ?').get(path) !== undefined
    } catch (error) {
      if (error instanceof SqliteError && /no such table/.test(error.message)) return false
      throw error
    } finally {
      db.close()
    }
  }
}
