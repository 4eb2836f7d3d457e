import { createReadStream, createWriteStream, type ReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ZipFile } from 'yazl'
import { JobFailure } from '../kind'
import type { FolderItem } from './list-folder'

/** Files up to this size are read in one call: a stream per small file costs more than the file. */
const SMALL_FILE = 1024 * 1024

export interface ZipWriteOptions {
  signal: AbortSignal
  /** Bytes of file data read so far, as they are read. */
  onRead: (bytes: number) => void
  /** An item the zip format cannot hold as it is. */
  skip: (path: string, why: string) => void
}

/**
 * Writes `items` (folders and files; links are the caller's to leave out)
 * as a zip at `dest`. yazl switches to zip64 records by itself for an entry
 * or an archive beyond 4 GB or 65,534 entries.
 */
export async function writeZip(items: readonly FolderItem[], dest: string, options: ZipWriteOptions): Promise<void> {
  const { signal, onRead, skip } = options
  const zip = new ZipFile()
  let reading: ReadStream | undefined
  const failed = new Promise<never>((_, reject) => {
    zip.on('error', reject)
    signal.addEventListener('abort', () => {
      reading?.destroy()
      reject(signal.reason as Error)
    })
  })
  // Keeps an error in a pump that outlives the job (after an abort) from taking the worker down.
  failed.catch(() => {})
  for (const item of items) {
    try {
      if (item.type === 'folder') zip.addEmptyDirectory(item.path, { mtime: item.mtime, mode: item.mode })
      else if (item.type === 'file') {
        // `size` makes yazl check the bytes it gets: a file that changed while archived fails the job, not the archive.
        zip.addReadStreamLazy(item.path, { mtime: item.mtime, mode: item.mode, size: item.size }, (done) => {
          const unreadable = (error: Error): void => {
            zip.emit('error', new JobFailure('job_error', `Could not read ${item.path}: ${error.message}`))
          }
          if (item.size <= SMALL_FILE) {
            readFile(item.absolute, { signal }).then((bytes) => {
              onRead(bytes.length)
              done(null, Readable.from([bytes]))
            }, unreadable)
            return
          }
          const source = createReadStream(item.absolute)
          reading = source
          const counted = new Transform({
            transform(chunk: Buffer, _encoding, next) {
              onRead(chunk.length)
              next(null, chunk)
            },
          })
          source.on('error', unreadable)
          done(null, source.pipe(counted))
        })
      }
    } catch (error) {
      // yazl refuses names a zip cannot carry safely (a file named "..\x" on Linux, say).
      skip(item.absolute, (error as Error).message)
    }
  }
  zip.end()
  // On a yazl error the pipeline would wait for ever, holding the output open in a worker that lives on: it is ended too.
  const stop = new AbortController()
  const writing = pipeline(zip.outputStream, createWriteStream(dest), { signal: AbortSignal.any([signal, stop.signal]) })
  writing.catch(() => {})
  try {
    await Promise.race([writing, failed])
  } finally {
    stop.abort()
    await writing.catch(() => {})
  }
}
