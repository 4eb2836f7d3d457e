import { getFileNameLowLevel, openPromise, type Entry } from 'yauzl'
import { crc32 } from 'node:zlib'
import { JobFailure } from '../kind'
import type { ExtractTree } from './extract-tree'

/** The longest symlink target read from a zip; a bigger "link" is no link. */
const MAX_LINK_TARGET = 4096
const S_IFMT = 0o170000
const S_IFLNK = 0o120000
const MADE_BY_UNIX = 3

export interface ReadOptions {
  signal: AbortSignal
  /** How far through the archive file, in bytes. */
  onProgress: (bytes: number) => void
}

async function readAll(data: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of data) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/**
 * Unpacks a zip into `tree`. yauzl reads the central directory and checks
 * that each entry inflates to exactly its declared size, so the sizes the
 * tree counts against its limit are the sizes written.
 */
export async function extractZip(file: string, tree: ExtractTree, { signal, onProgress }: ReadOptions): Promise<void> {
  let zip
  try {
    // Names are decoded and checked here, entry by entry: yauzl's own check would end the whole archive at the first bad one.
    zip = await openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true })
  } catch (error) {
    throw new JobFailure('job_error', `${file} is not a readable zip: ${(error as Error).message}`)
  }
  try {
    let done = 0
    for await (const entry of zip.eachEntry() as AsyncIterable<Entry>) {
      signal.throwIfAborted()
      const name = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false)
      const path = tree.admit(name, entry.uncompressedSize)
      const unix = entry.versionMadeBy >> 8 === MADE_BY_UNIX
      const mode = unix ? entry.externalFileAttributes >>> 16 : 0
      if (path === null) {
        // Refused, or the folder itself.
      } else if (name.endsWith('/') || name.endsWith('\\')) await tree.folder(path)
      else if (!entry.canDecodeFileData())
        tree.refuse(name, entry.isEncrypted() ? 'encrypted' : `compression method ${entry.compressionMethod} is not supported`)
      else if ((mode & S_IFMT) === S_IFLNK) {
        if (entry.uncompressedSize > MAX_LINK_TARGET) tree.refuse(name, 'a symlink whose target is too long')
        else tree.symlink(path, (await readAll(await zip.openReadStreamPromise(entry))).toString('utf8'))
      } else {
        const base = done
        let read = 0
        let crc = 0
        await tree.file(
          path,
          mode & 0o777 || 0o644,
          entry.uncompressedSize,
          async function* () {
            for await (const chunk of await zip.openReadStreamPromise(entry)) {
              read += (chunk as Buffer).length
              crc = crc32(chunk as Buffer, crc)
              onProgress(base + entry.compressedSize * (read / Math.max(1, entry.uncompressedSize)))
              yield chunk as Buffer
            }
            // yauzl checks sizes but not checksums; data damaged in place would otherwise pass.
            if (crc !== entry.crc32) throw new JobFailure('checksum_mismatch', `${name} in ${file} is damaged: its CRC-32 does not match`)
          },
          signal,
        )
      }
      done += entry.compressedSize
      onProgress(done)
    }
  } catch (error) {
    if (error instanceof JobFailure || signal.aborted) throw error
    throw new JobFailure('job_error', `${file} is damaged: ${(error as Error).message}`)
  } finally {
    zip.close()
  }
}
