import { ApiError, type ApiErrorCode } from '../../shared/errors'
import type { StorageHealth } from '../../shared/job'

type StorageCode = Extract<ApiErrorCode, `storage_${string}`>

/** A failure of the jobs database itself (disk full, read-only, damaged), as opposed to a bad request or a bug. */
export class StorageError extends ApiError {
  declare readonly code: StorageCode

  constructor(
    code: StorageCode,
    message: string,
    /** SQLite's own code, e.g. SQLITE_FULL. */
    readonly sqliteCode: string,
  ) {
    super(code, message)
    this.name = 'StorageError'
  }

  get status(): Exclude<StorageHealth['status'], 'ok'> {
    return this.code.slice('storage_'.length) as Exclude<StorageHealth['status'], 'ok'>
  }
}

const STATUS_BY_PREFIX: [prefix: string, code: StorageCode][] = [
  ['SQLITE_FULL', 'storage_full'],
  ['SQLITE_READONLY', 'storage_readonly'],
  ['SQLITE_CORRUPT', 'storage_corrupt'],
  ['SQLITE_NOTADB', 'storage_corrupt'],
  ['SQLITE_IOERR', 'storage_unavailable'],
  ['SQLITE_CANTOPEN', 'storage_unavailable'],
  ['SQLITE_BUSY', 'storage_unavailable'],
  ['SQLITE_LOCKED', 'storage_unavailable'],
  ['SQLITE_PROTOCOL', 'storage_unavailable'],
  ['SQLITE_NOMEM', 'storage_unavailable'],
]

const MESSAGES: Record<StorageCode, string> = {
  storage_full:
    'The disk that holds the jobs database is full. Running jobs go on, but nothing new starts and nothing can be added until there is room; free some space and Offload carries on by itself.',
  storage_readonly:
    'The jobs database cannot be written (the file or its disk is read-only). Running jobs go on, but nothing new starts until it can be written; Offload keeps trying.',
  storage_corrupt:
    'The jobs database is damaged. Nothing new starts. Quit Offload, move the database file aside (it is offload.db in the data folder) and start again with an empty queue.',
  storage_unavailable: 'The jobs database cannot be reached right now. Running jobs go on, but nothing new starts until it can; Offload keeps trying.',
}

/** The storage failure an error from better-sqlite3 stands for, or undefined when it is something else (a bug, a constraint). */
export function asStorageError(error: unknown): StorageError | undefined {
  if (error instanceof StorageError) return error
  const sqliteCode = (error as { code?: unknown })?.code
  if (typeof sqliteCode !== 'string') return undefined
  const match = STATUS_BY_PREFIX.find(([prefix]) => sqliteCode.startsWith(prefix))
  if (!match) return undefined
  const [, code] = match
  return new StorageError(code, `${MESSAGES[code]} (${(error as Error).message})`, sqliteCode)
}
