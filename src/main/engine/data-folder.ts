import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Where things live inside a data folder. */
export function dataPaths(dataDir: string) {
  return {
    database: join(dataDir, 'offload.db'),
    kinds: join(dataDir, 'kinds'),
    scratch: join(dataDir, 'scratch'),
    state: join(dataDir, 'state'),
    serverInfo: join(dataDir, 'server.json'),
    token: join(dataDir, 'token'),
    lock: join(dataDir, 'offload.lock'),
  }
}

/** The data folder can't be used; the message says why and what to do, in one line. */
export class DataFolderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DataFolderError'
  }
}

/** A file-system error met in the data folder, said for a person; anything unexpected passes through. */
export function describeFolderFailure(dataDir: string, error: unknown): unknown {
  const { code, message } = error as NodeJS.ErrnoException
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new DataFolderError(
      `The data folder ${dataDir} is read-only (${code}); Offload needs to write there. Check its permissions, or use another data folder.`,
    )
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DataFolderError(`The disk that holds the data folder ${dataDir} is full (${code}). Free some space and start Offload again.`)
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new DataFolderError(`The data folder ${dataDir} is not a folder (${message}).`)
  }
  return error
}

/** Makes the folder (and its parents); a failure comes out as a DataFolderError. */
export function ensureDataFolder(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true })
  } catch (error) {
    throw describeFolderFailure(dataDir, error)
  }
}

/**
 * Writes a file only its owner can read, whole or not at all: through a
 * temporary file that is renamed over it, and removed if anything fails.
 */
export function writePrivateFile(dataDir: string, file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`
  try {
    writeFileSync(temp, text, { mode: 0o600 })
    renameSync(temp, file)
  } catch (error) {
    rmSync(temp, { force: true })
    throw describeFolderFailure(dataDir, error)
  }
}
