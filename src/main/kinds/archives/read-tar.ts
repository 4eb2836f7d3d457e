import { createReadStream } from 'node:fs'
import { once } from 'node:events'
import { Parser, type ReadEntry } from 'tar'
import { JobFailure } from '../kind'
import type { ExtractTree } from './extract-tree'
import type { ReadOptions } from './read-zip'

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile'])

async function unpackEntry(entry: ReadEntry, tree: ExtractTree, signal: AbortSignal): Promise<void> {
  const path = tree.admit(entry.path, entry.size ?? 0)
  if (path === null) return
  if (entry.type === 'Directory') await tree.folder(path)
  else if (FILE_TYPES.has(entry.type)) await tree.file(path, entry.mode ?? 0o644, entry.size ?? 0, () => entry, signal)
  else if (entry.type === 'SymbolicLink') tree.symlink(path, entry.linkpath ?? '')
  else if (entry.type === 'Link') await tree.hardLink(path, entry.linkpath ?? '')
  else tree.refuse(entry.path, `${entry.type} entries are not unpacked`)
}

/**
 * Unpacks a tar (gzip-compressed or not: the parser tells by itself) into
 * `tree`, one entry at a time. tar's parser also gives up on a gzip stream
 * that inflates more than 1000 times over, a cheap guard against bombs.
 */
export async function extractTar(file: string, tree: ExtractTree, { signal, onProgress }: ReadOptions): Promise<void> {
  let failure: unknown
  let notTar = false
  let invalid = 0
  let sawEnd = false
  // Stops the entry being written when the archive turns out broken: a truncated entry's data never ends.
  const stop = new AbortController()
  const fail = (error: unknown): void => {
    failure ??= error
    stop.abort()
  }
  const writing = AbortSignal.any([signal, stop.signal])
  const parser = new Parser({
    onwarn: (code, message, data) => {
      if (code === 'TAR_BAD_ARCHIVE') {
        if (message === 'Unrecognized archive format') notTar = true
        else fail(new Error(message))
      } else {
        if (code === 'TAR_ENTRY_INVALID') invalid++
        tree.refuse(typeof data.path === 'string' ? data.path : '(an entry)', message)
      }
    },
  })
  // tar calls a tar of no entries unrecognized too; its end blocks tell it from what is no tar at all.
  parser.on('eof', () => (sawEnd = true))
  let queue: Promise<void> = Promise.resolve()
  parser.on('entry', (entry: ReadEntry) => {
    queue = queue
      .then(() => (failure === undefined ? unpackEntry(entry, tree, writing) : undefined))
      .catch(fail)
      // Whatever was not read is skipped, so that the parser moves on to the next entry.
      .finally(() => entry.resume())
  })
  parser.on('error', fail)
  // A broken gzip stream ends the parser with an error and no close.
  const settled = new Promise<void>((resolve) => {
    parser.once('close', () => resolve())
    parser.once('error', () => resolve())
  })
  let read = 0
  try {
    for await (const chunk of createReadStream(file, { signal })) {
      if (failure !== undefined) break
      read += (chunk as Buffer).length
      onProgress(read)
      if (!parser.write(chunk as Buffer)) await once(parser, 'drain', { signal: writing })
    }
    if (failure === undefined) {
      parser.end()
      await settled
    }
  } catch (error) {
    fail(error)
  } finally {
    // Every write under way ends before the caller removes what was written.
    await queue
  }
  signal.throwIfAborted()
  if (failure instanceof JobFailure) throw failure
  if (failure !== undefined) throw new JobFailure('job_error', `${file} is damaged: ${(failure as Error).message}`)
  if (notTar && !(sawEnd && invalid === 0))
    throw new JobFailure('job_error', `${file} is not a tar archive (it may be gzip-compressed, but what is inside is not tar)`)
}
