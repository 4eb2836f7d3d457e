import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations'

export type DatabaseErrorCode = 'corrupt_database' | 'database_too_new' | 'database_unavailable'

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

/**
 * Opens (creating if needed) the jobs database and brings its schema up to
 * date. WAL with synchronous=NORMAL keeps every committed transaction through
 * a process crash; only a power cut can lose the last few.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  let db: Database.Database
  try {
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  } catch (error) {
    throw new DatabaseOpenError('database_unavailable', `Cannot open the jobs database ${file}: ${(error as Error).message}`)
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
    if (error instanceof DatabaseOpenError) throw error
    const code = (error as { code?: string }).code
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new DatabaseOpenError(
        'corrupt_database',
        `The jobs database ${file} is damaged or is not an Offload database (${(error as Error).message}). ` +
          'Move it aside to start with an empty queue.',
      )
    }
    throw error
  }
}

function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new DatabaseOpenError(
      'database_too_new',
      `The jobs database ${file} was written by a newer Offload (schema ${current}, this one knows ${MIGRATIONS.length}). Update Offload.`,
    )
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
