import { SqliteError } from 'better-sqlite3'
import type { ParsedInput } from '../../shared/api'
import type { SearchResult } from '../../shared/search'
import { indexPathIn, searchIndex } from '../kinds/documents/index-db'

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
