import { createWriteStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { Pack } from 'tar'
import type { FolderItem } from './list-folder'

export interface TarWriteOptions {
  signal: AbortSignal
  /** Bytes of tar stream (headers and file data, before compression) made so far. */
  onTarBytes: (bytes: number) => void
  /** An item tar left out (it vanished or could not be read after it was listed). */
  skip: (path: string, why: string) => void
}

/** The size of the uncompressed tar of `items`: a header block per entry, data in whole blocks, two blocks at the end. */
export function tarSizeOf(items: readonly FolderItem[]): number {
  return items.reduce((sum, item) => sum + 512 + Math.ceil(item.size / 512) * 512, 1024)
}

/**
 * Writes `items` of `folder` as a gzip-compressed tar at `dest`. Symlinks
 * are stored as links (as tar does), never followed.
 */
export async function writeTarGz(folder: string, items: readonly FolderItem[], dest: string, options: TarWriteOptions): Promise<void> {
  const { signal, onTarBytes, skip } = options
  // The Pack class, not tar.c: tar.c reads a name starting with "@" as another archive to copy in.
  const pack = new Pack({
    cwd: folder,
    portable: true,
    noDirRecurse: true,
    onwarn: (_code, message, data) => skip(typeof data.path === 'string' ? data.path : folder, message),
  })
  for (const item of items) pack.add(item.path)
  pack.end()
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      onTarBytes(chunk.length)
      next(null, chunk)
    },
  })
  // Minipass streams are not Node streams; pipeline takes their async iterator.
  const tar = async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of pack) yield chunk
  }
  await pipeline(tar, counted, createGzip(), createWriteStream(dest), { signal })
}
