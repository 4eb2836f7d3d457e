import Database from 'better-sqlite3'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations'

export type DatabaseErrorCode = 'corrupt_database' | 'database_too_new' | 'database_unavailable' | 'database_readonly' | 'database_full'

/** The jobs database can't be used at start; the message says why and what to do, in one line. */
export class DatabaseOpenError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'DatabaseOpenError'
  }
}

export interface OpenOptions {
  /**
   * Path of a better-sqlite3 addon built for the running runtime. Electron
   * passes its own build here so the default (Node's) build in node_modules
   * keeps serving tests and the headless server.
   */
  nativeBinding?: string
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

/**
 * What an error met while opening or first reading the database means for a
 * person, or undefined if it is something else. The file is never touched to
 * find out.
 */
export function describeOpenFailure(file: string, error: unknown): DatabaseOpenError | undefined {
  if (error instanceof DatabaseOpenError) return error
  // The store has already turned SQLite's errors into StorageErrors, which keep SQLite's code.
  const code = (error as { sqliteCode?: unknown })?.sqliteCode ?? (error as { code?: unknown })?.code
  if (typeof code !== 'string') return undefined
  const why = (error as Error).message
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new DatabaseOpenError(
      'corrupt_database',
      `The jobs database ${file} is damaged or is not an Offload database (${why}). Move it aside to start with an empty queue.`,
    )
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new DatabaseOpenError('database_full', `The disk that holds ${file} is full (${why}). Free some space and start Offload again.`)
  }
  const readOnly =
    code.startsWith('SQLITE_READONLY') ||
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    (code.startsWith('SQLITE_CANTOPEN') && (!writable(file) || !writable(dirname(file))))
  if (readOnly) {
    return new DatabaseOpenError(
      'database_readonly',
      `The jobs database ${file} cannot be written: the file or its folder is read-only (${why}). Offload needs to write there; check its permissions and the disk, or choose another data folder.`,
    )
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new DatabaseOpenError('database_unavailable', `Cannot open the jobs database ${file} (${why}).`)
  }
  return undefined
}

/**
 * Opens (creating if needed) the jobs database and brings its schema up to
 * date. WAL with synchronous=NORMAL keeps every committed transaction through
 * a process crash; only a power cut can lose the last few.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  let db: Database.Database
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  } catch (error) {
    throw (
      describeOpenFailure(file, error) ?? new DatabaseOpenError('database_unavailable', `Cannot open the jobs database ${file}: ${(error as Error).message}`)
    )
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    migrate(db, file)
    return db
  } catch (error) {
    db.close()
    throw describeOpenFailure(file, error) ?? error
  }
}

/**
 * SQLite opens a file it may not write read-only without a word (and in WAL
 * mode even takes the write lock on one), so this writes for real: the schema
 * version, unchanged. Call it after the first reads, so that a damaged file
 * is reported as damaged, and left as it was.
 */
export function checkWritable(db: Database.Database): void {
  db.pragma(`user_version = ${db.pragma('user_version', { simple: true }) as number}`)
}

function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new DatabaseOpenError(
      'database_too_new',
      `The jobs database ${file} was written by a newer Offload (schema ${current}, this one knows ${MIGRATIONS.length}). Update Offload.`,
    )
  }
  if (current === MIGRATIONS.length) return
  // A table rebuilt the way SQLite prescribes is dropped and replaced; with foreign keys on, dropping it would
  // delete every row that references it. They are off for the migrations (the pragma is a no-op inside a
  // transaction) and each migration must leave every reference intact.
  db.pragma('foreign_keys = OFF')
  try {
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[version]!)
        const broken = db.pragma('foreign_key_check') as unknown[]
        if (broken.length > 0) throw new Error(`Migration ${version + 1} left ${broken.length} rows referencing nothing`)
        db.pragma(`user_version = ${version + 1}`)
      })()
    }
  } finally {
    db.pragma('foreign_keys = ON')
  }
}
