import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { walkFolder } from './walk-folder'

export interface FileEntry {
  path: string
  size: number
  mtimeMs: number
  /** The file itself (device and inode): two names with one identity are hard links, one set of bytes. */
  identity: string
}

/**
 * Every regular file under `folder`, sorted by path. Symlinks, FIFOs, sockets
 * and devices are passed over: following a link may leave the folder or loop,
 * and reading a FIFO waits forever.
 */
export async function listFiles(folder: string, signal: AbortSignal, onError: (path: string, error: Error) => void): Promise<FileEntry[]> {
  const files: FileEntry[] = []
  for await (const { path, entry } of walkFolder(folder, { signal, onUnreadable: onError })) {
    if (!entry.isFile()) continue
    try {
      const info = await stat(path)
      files.push({ path, size: info.size, mtimeMs: info.mtimeMs, identity: `${info.dev}:${info.ino}` })
    } catch (error) {
      onError(path, error as Error)
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1))
}

const CHUNK_BYTES = 256 * 1024
// Not on Windows, where a FIFO cannot stand in for a file anyway.
const NONBLOCK = constants.O_NONBLOCK ?? 0

/**
 * The SHA-256 of a file's first `limit` bytes (all of it by default), in hex.
 * Opened without blocking and checked to be a regular file, so a file swapped
 * for a FIFO since it was listed fails instead of hanging the job.
 */
export async function hashFile(path: string, signal: AbortSignal, onBytes: (n: number) => void = () => {}, limit = Infinity): Promise<string> {
  signal.throwIfAborted()
  const handle = await open(path, constants.O_RDONLY | NONBLOCK)
  try {
    if (!(await handle.stat()).isFile()) throw new Error('Not a regular file any more')
    const hash = createHash('sha256')
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
    let left = limit
    while (left > 0) {
      signal.throwIfAborted()
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, left), null)
      if (bytesRead === 0) break
      hash.update(buffer.subarray(0, bytesRead))
      left -= bytesRead
      onBytes(bytesRead)
    }
    return hash.digest('hex')
  } finally {
    await handle.close()
  }
}
