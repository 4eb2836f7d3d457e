import { basename, join, relative } from 'node:path'
import { WORKER_ENV } from '../../common/protocol'
import { JobFailure, type JobContext } from '../kind'
import { isInside } from '../path-params'
import { extract, MAX_TEXT_CHARS } from './extract'
import { INDEX_FILE, indexWriter, openIndex, type DocumentRecord } from './index-db'
import { lazyOcr } from './ocr'
import { listDocuments, type FoundDocument } from './walk'

export interface IndexParams {
  folder: string
  ocr: boolean
  include: string[]
  exclude: string[]
}

/** A result is one row: a folder of 100,000 broken files must not make it huge. */
export const MAX_LISTED = 100

export interface IndexResult {
  folder: string
  /** Documents found under the folder (of the types read, matching the globs). */
  seen: number
  /** Read this run (new or changed), text or not. */
  read: number
  unchanged: number
  /** Dropped from the index: deleted, or no longer matching the job's globs and types. */
  removed: number
  /** Read this run, but their text could not be (kept with the error; read again when they change). */
  failed: number
  /** Unchanged documents whose text could not be read in an earlier run. */
  failedBefore: number
  /** Those of this run first, then those of earlier runs (`earlier`). */
  failures: { path: string; error: string; earlier: boolean }[]
  ocrPages: number
  bytesRead: number
  /** Read this run and cut at the text cap. */
  truncated: number
  truncatedPaths: string[]
  /** Documents with pages that have no text layer, left unread because OCR was off. */
  needsOcr: number
  /** Folders or files that could not be looked at; what the index holds under them is kept. */
  unreachable: number
}

/** Progress weighs a file to read by its size plus this, so a thousand small files don't count as nothing next to one big one. */
const FILE_COST_BYTES = 64 * 1024

const count = (n: number): string => n.toLocaleString('en')

export async function indexDocuments(params: IndexParams, ctx: JobContext): Promise<IndexResult> {
  const { folder } = params
  const rel = (path: string): string => relative(folder, path)
  let unreachable = 0
  ctx.progress(0, 'Listing files')
  const listing = await listDocuments(folder, params, ctx.signal, (path, error) => {
    unreachable++
    ctx.log(`Could not look at ${path}: ${error.message}`)
  })
  const nativeBinding = process.env[WORKER_ENV.sqliteBinding]
  const db = openIndex(join(ctx.stateDir, INDEX_FILE), nativeBinding ? { nativeBinding } : {})
  const ocr = lazyOcr(ctx.signal)
  try {
    const writer = indexWriter(db)
    const known = writer.known(folder)
    const listed = new Set(listing.documents.map((d) => d.path))
    const gone = [...known].filter(([path]) => !listed.has(path) && !listing.unreachable.some((u) => isInside(path, u)))
    writer.remove(gone.map(([, doc]) => doc.id))

    const toRead: FoundDocument[] = []
    const failedBefore: { path: string; error: string; earlier: boolean }[] = []
    let needsOcr = 0
    for (const doc of listing.documents) {
      const before = known.get(doc.path)
      const same = before !== undefined && before.size === doc.size && before.mtimeMs === doc.mtimeMs
      if (same && !(params.ocr && before.needsOcr)) {
        if (before.error !== null) failedBefore.push({ path: doc.path, error: before.error, earlier: true })
        if (before.needsOcr) needsOcr++
      } else toRead.push(doc)
    }
    const unchanged = listing.documents.length - toRead.length

    const result: IndexResult = {
      folder,
      seen: listing.documents.length,
      read: 0,
      unchanged,
      removed: gone.length,
      failed: 0,
      failedBefore: failedBefore.length,
      failures: [],
      ocrPages: 0,
      bytesRead: 0,
      truncated: 0,
      truncatedPaths: [],
      needsOcr,
      unreachable,
    }
    const totalWeight = toRead.reduce((sum, d) => sum + d.size + FILE_COST_BYTES, 0)
    let doneWeight = 0
    const report = (): void =>
      ctx.progress(totalWeight === 0 ? 1 : doneWeight / totalWeight, `${count(unchanged + result.read)} of ${count(result.seen)} files`)
    report()

    for (const doc of toRead) {
      ctx.signal.throwIfAborted()
      // The file being read is named before it is read: a document that hangs a reader is the log's last line.
      ctx.log(`Reading ${rel(doc.path)}`)
      const record: DocumentRecord = {
        path: doc.path,
        folder,
        title: basename(doc.path),
        size: doc.size,
        mtimeMs: doc.mtimeMs,
        text: null,
        error: null,
        needsOcr: false,
      }
      try {
        const got = await extract(doc.path, doc.type, doc.size, { useOcr: params.ocr, ocr, signal: ctx.signal })
        record.title = got.title ?? record.title
        record.text = got.text
        record.needsOcr = got.needsOcr
        result.bytesRead += got.bytesRead
        result.ocrPages += got.ocrPages
        if (got.needsOcr) result.needsOcr++
        if (got.truncated) {
          result.truncated++
          if (result.truncatedPaths.length < MAX_LISTED) result.truncatedPaths.push(doc.path)
          ctx.log(`Kept only the first ${count(MAX_TEXT_CHARS)} characters of ${rel(doc.path)}`)
        }
      } catch (error) {
        ctx.signal.throwIfAborted()
        if (error instanceof JobFailure) throw error
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          // Deleted since it was listed.
          const before = known.get(doc.path)
          if (before) {
            writer.remove([before.id])
            result.removed++
          }
          result.seen--
          doneWeight += doc.size + FILE_COST_BYTES
          continue
        }
        record.error = (error as Error).message || String(error)
        result.failed++
        if (result.failures.length < MAX_LISTED) result.failures.push({ path: doc.path, error: record.error, earlier: false })
        ctx.log(`Could not read ${rel(doc.path)}: ${record.error}`)
      }
      // A job told to stop changes nothing more, even with a document read.
      ctx.signal.throwIfAborted()
      writer.put(record)
      result.read++
      doneWeight += doc.size + FILE_COST_BYTES
      report()
    }
    result.failures.push(...failedBefore.slice(0, MAX_LISTED - result.failures.length))
    return result
  } finally {
    await ocr.close()
    db.close()
  }
}
