import { createHash, type Hash } from 'node:crypto'
import { link, open, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { JobErrorCode } from '../../../shared/job'
import { JobFailure } from '../kind'
import { formatBytes } from '../format-bytes'
import type { BatchProgress } from './batch-progress'
import { nameCandidates, nameFromContentDisposition, nameFromUrl } from './file-name'
import { hashFile, partPaths, readSidecar, removePart, writeSidecar, type PartPaths, type Sidecar } from './part-file'

export interface DownloadItem {
  index: number
  url: string
  name?: string | undefined
  sha256?: string | undefined
}

export interface FileOutcome {
  name: string
  url: string
  bytes: number
  /** Null for a file that was already there and whose hash was not asked for (it is not read again). */
  sha256: string | null
  how: 'downloaded' | 'resumed' | 'skipped'
  /** Tries again within the attempt, after a broken connection or a server error, each from where the last stopped. */
  retries: number
}

/** What the files of one batch share. */
export interface BatchContext {
  folder: string
  signal: AbortSignal
  progress: BatchProgress
  log(line: string): void
  /** Names given to (or found for) files of this batch: two files never end up in one name. */
  claimed: Set<string>
  /** Bytes that came over the network in this attempt. */
  received: { bytes: number }
}

/** Failed tries in a row (a try that brought bytes resets the count) before a file is given up. */
const MAX_TRIES = 5
const BACKOFF_MS = [250, 500, 1000, 2000, 4000]
/** A connection that sends nothing for this long is dropped and tried again. */
const STALL_MS = 60_000
const MAX_CLASHES = 1000

/** A try that failed in a way another try may not (a dropped connection, a 503). */
class RetryableError extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

function describeNetworkError(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string; code?: string } }
  const cause = e.cause?.code ?? e.cause?.message
  return cause ? `${e.message ?? String(error)} (${cause})` : (e.message ?? String(error))
}

function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = header ? /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim()) : null
  return match ? { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) } : null
}

function contentLength(res: Response): number | null {
  const header = res.headers.get('content-length')
  // fetch undoes a content encoding, after which the length no longer counts the bytes we get.
  if (header === null || res.headers.has('content-encoding')) return null
  const n = Number(header)
  return Number.isSafeInteger(n) && n >= 0 ? n : null
}

/** If-Range takes a strong ETag or a date; a weak ETag cannot vouch for bytes. */
function rangeValidator(meta: Sidecar): string | null {
  if (meta.etag && !meta.etag.startsWith('W/')) return meta.etag
  return meta.lastModified
}

class FileDownload {
  private readonly paths: PartPaths
  private readonly expected: string | null
  private readonly label: string
  private handle: FileHandle | null = null
  private hash: Hash = createHash('sha256')
  private offset = 0
  private meta: Sidecar | null = null
  private resumed = false
  private retries = 0

  constructor(
    private readonly item: DownloadItem,
    private readonly batch: BatchContext,
  ) {
    this.paths = partPaths(batch.folder, item.url, item.name)
    this.expected = item.sha256?.toLowerCase() ?? null
    this.label = item.name ?? nameFromUrl(item.url)
  }

  async run(): Promise<FileOutcome> {
    try {
      // A named file with a known hash can be recognised without asking the server.
      if (this.item.name !== undefined && this.expected) {
        const here = await this.alreadyHere(this.item.name, null)
        if (here) return here
      }
      await this.pickUpEarlierPart()
      let failures = 0
      for (;;) {
        this.batch.signal.throwIfAborted()
        const from = this.offset
        try {
          return await this.try()
        } catch (error) {
          if (this.batch.signal.aborted || !(error instanceof RetryableError)) throw error
          failures = this.offset > from ? 1 : failures + 1
          if (failures >= MAX_TRIES) {
            throw new JobFailure(error.code, `${this.label}: ${error.message} (gave up after ${failures} tries in a row)`, {
              url: this.item.url,
              ...(error.status === undefined ? {} : { status: error.status }),
            })
          }
          this.retries++
          this.batch.log(`${this.label}: ${error.message}; trying again from ${formatBytes(this.offset)}`)
          await sleep(BACKOFF_MS[failures - 1], undefined, { signal: this.batch.signal })
        }
      }
    } finally {
      await this.handle?.close()
      this.handle = null
    }
  }

  /** Bytes an attempt before this one left, hashed again so the digest covers the whole file. */
  private async pickUpEarlierPart(): Promise<void> {
    const meta = await readSidecar(this.paths.sidecar, this.item.url)
    if (!meta) return
    let size: number
    try {
      size = (await stat(this.paths.part)).size
    } catch {
      return
    }
    if (meta.size !== null && size > meta.size) return
    this.handle = await open(this.paths.part, 'r+')
    await hashFile(this.paths.part, this.batch.signal, this.hash, size)
    this.meta = meta
    this.offset = size
    this.resumed = size > 0
    this.batch.progress.size(this.item.index, meta.size)
    this.batch.progress.at(this.item.index, size)
    if (size > 0) this.batch.log(`${meta.name}: resuming at ${formatBytes(size)}`)
  }

  private async try(): Promise<FileOutcome> {
    const stop = new AbortController()
    const signal = AbortSignal.any([this.batch.signal, stop.signal])
    const stall = setTimeout(() => stop.abort(), STALL_MS)
    const fail = (error: unknown): Error => {
      if (this.batch.signal.aborted) return error as Error
      return new RetryableError('job_error', stop.signal.aborted ? `no data for ${STALL_MS / 1000} s` : describeNetworkError(error))
    }
    try {
      const validator = this.meta && rangeValidator(this.meta)
      // Bytes we cannot ask the server to vouch for are not worth keeping.
      if (this.offset > 0 && !validator) await this.startOver('the server gave no ETag or Last-Modified to resume by')
      const ranged = this.offset > 0
      const headers: Record<string, string> = { 'accept-encoding': 'identity' }
      if (ranged) Object.assign(headers, { range: `bytes=${this.offset}-`, 'if-range': validator! })
      let res: Response
      try {
        res = await fetch(this.item.url, { headers, signal })
      } catch (error) {
        throw fail(error)
      }
      if (ranged && res.status === 416) return await this.rangeNotSatisfiable(res)
      if (res.status >= 400) {
        await res.body?.cancel()
        const what = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`
        if (res.status >= 500 || res.status === 408 || res.status === 429) throw new RetryableError('http_error', what, res.status)
        await this.discard()
        throw new JobFailure('http_error', `${this.label}: ${what} from ${this.item.url}`, { url: this.item.url, status: res.status })
      }
      if (ranged && res.status === 206) {
        const range = parseContentRange(res.headers.get('content-range'))
        if (range?.start !== this.offset) {
          await res.body?.cancel()
          await this.startOver('the server sent another range than asked')
          throw new RetryableError('http_error', 'the server sent another range than asked')
        }
        this.sized(range.total ?? this.meta!.size)
      } else if (res.status === 200) {
        // Range ignored, or If-Range found the file changed: this is the whole file, from its first byte.
        if (ranged) {
          const changed = res.headers.get('etag') !== this.meta!.etag || res.headers.get('last-modified') !== this.meta!.lastModified
          await this.startOver(changed ? 'the file changed on the server' : 'the server ignored the range')
        }
        const here = await this.begin(res)
        if (here) return here
      } else {
        await res.body?.cancel()
        throw new JobFailure('http_error', `${this.label}: unexpected HTTP ${res.status} from ${this.item.url}`, { url: this.item.url, status: res.status })
      }
      try {
        const reader = res.body?.getReader()
        for (let read = await reader?.read(); read && !read.done; read = await reader!.read()) {
          stall.refresh()
          await this.write(read.value as Uint8Array)
        }
      } catch (error) {
        throw fail(error)
      }
      const size = this.meta!.size
      if (size !== null && this.offset < size)
        throw new RetryableError('job_error', `the connection closed after ${formatBytes(this.offset)} of ${formatBytes(size)}`)
      return await this.finish()
    } finally {
      clearTimeout(stall)
    }
  }

  private sized(size: number | null): void {
    this.meta = { ...this.meta!, size }
    this.batch.progress.size(this.item.index, size)
  }

  /** A fresh start from a 200: name, size and validators come from it; the file may already be here. */
  private async begin(res: Response): Promise<FileOutcome | null> {
    const name = this.item.name ?? nameFromContentDisposition(res.headers.get('content-disposition')) ?? nameFromUrl(this.item.url)
    const size = contentLength(res)
    this.meta = { url: this.item.url, name, etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified'), size }
    this.batch.progress.size(this.item.index, size)
    const here = await this.alreadyHere(name, size)
    if (here) {
      await res.body?.cancel()
      return here
    }
    this.batch.signal.throwIfAborted()
    this.handle ??= await open(this.paths.part, 'w')
    await writeSidecar(this.paths.sidecar, this.meta)
    return null
  }

  private async write(chunk: Uint8Array): Promise<void> {
    let written = 0
    while (written < chunk.length) {
      const { bytesWritten } = await this.handle!.write(chunk, written, chunk.length - written, this.offset + written)
      written += bytesWritten
    }
    this.hash.update(chunk)
    this.offset += chunk.length
    this.batch.received.bytes += chunk.length
    this.batch.progress.at(this.item.index, this.offset)
  }

  private async startOver(why: string): Promise<void> {
    if (this.offset > 0) this.batch.log(`${this.meta?.name ?? this.label}: ${why}; starting over`)
    this.offset = 0
    this.hash = createHash('sha256')
    this.resumed = false
    await this.handle?.truncate(0)
    this.batch.progress.at(this.item.index, 0)
  }

  /** 416 to "the rest from here": the rest is nothing when the .part is already whole. */
  private async rangeNotSatisfiable(res: Response): Promise<FileOutcome> {
    await res.body?.cancel()
    const total = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range')?.trim() ?? '')
    if (total && Number(total[1]) === this.offset) {
      this.sized(this.offset)
      return this.finish()
    }
    await this.startOver('the server refused the range')
    throw new RetryableError('http_error', 'the server refused the range', 416)
  }

  /** The .part is whole: check it, then give it its name (a rename, so no one sees half a file under it). */
  private async finish(): Promise<FileOutcome> {
    await this.handle!.datasync()
    await this.handle!.close()
    this.handle = null
    const digest = this.hash.digest('hex')
    const name = this.meta!.name
    if (this.expected && digest !== this.expected) {
      await this.discard()
      throw new JobFailure('checksum_mismatch', `${name}: expected sha256 ${this.expected}, got ${digest}; the file was deleted`, {
        url: this.item.url,
        name,
        expected: this.expected,
        actual: digest,
      })
    }
    const outcome = (placed: string): FileOutcome => {
      this.batch.progress.done(this.item.index, this.offset)
      const how = this.resumed ? 'resumed' : 'downloaded'
      return { name: placed, url: this.item.url, bytes: this.offset, sha256: digest, how, retries: this.retries }
    }
    const isThisFile = async (path: string, size: number): Promise<boolean> =>
      size === this.offset && (await hashFile(path, this.batch.signal)).digest('hex') === digest
    for (;;) {
      const place = await this.placeFor(name, isThisFile)
      if (place.existing) {
        await this.discard()
        return outcome(place.name)
      }
      if (await placeWithoutReplacing(this.paths.part, join(this.batch.folder, place.name))) {
        await rm(this.paths.sidecar, { force: true })
        return outcome(place.name)
      }
    }
  }

  /** The file as it is already in the folder (under its name or a "(2)" one), if it is complete. */
  private async alreadyHere(name: string, size: number | null): Promise<FileOutcome | null> {
    const expected = this.expected
    if (size === null && !expected) return null
    const place = await this.placeFor(
      name,
      async (path, have) => (size === null || have === size) && (!expected || (await hashFile(path, this.batch.signal)).digest('hex') === expected),
    )
    if (!place.existing) {
      this.batch.claimed.delete(place.name)
      return null
    }
    await this.discard()
    const bytes = (await stat(join(this.batch.folder, place.name))).size
    this.batch.progress.done(this.item.index, bytes)
    return { name: place.name, url: this.item.url, bytes, sha256: expected, how: 'skipped', retries: this.retries }
  }

  /**
   * Walks `name`, `name (2)`…, claiming as it goes, to the first that
   * holds this file already or is free; an existing file is never replaced.
   * Claims are taken before any await, so two files of the batch never pick one name.
   */
  private async placeFor(name: string, isThisFile: (path: string, size: number) => Promise<boolean>): Promise<{ name: string; existing: boolean }> {
    for (const candidate of nameCandidates(name, MAX_CLASHES)) {
      if (this.batch.claimed.has(candidate)) continue
      const path = join(this.batch.folder, candidate)
      // Names are sanitised to plain names already; this keeps every file in the folder even if that ever slips.
      if (dirname(path) !== resolve(this.batch.folder)) throw new JobFailure('job_error', `${name}: not a file name inside ${this.batch.folder}`)
      this.batch.claimed.add(candidate)
      const found = await stat(path).catch(() => null)
      if (!found) return { name: candidate, existing: false }
      if (found.isFile() && (await isThisFile(path, found.size))) return { name: candidate, existing: true }
      this.batch.claimed.delete(candidate)
    }
    throw new JobFailure('job_error', `${name}: no free name for it in ${this.batch.folder} (${MAX_CLASHES} taken)`)
  }

  private async discard(): Promise<void> {
    await this.handle?.close()
    this.handle = null
    await removePart(this.paths)
  }
}

/**
 * Moves the finished file to its name unless something took the name since
 * it was found free (another job downloading into the folder, say): a hard
 * link fails where a rename would replace. False when the name was taken.
 * Where the file system has no hard links (FAT on a USB stick), a rename.
 */
async function placeWithoutReplacing(part: string, dest: string): Promise<boolean> {
  try {
    await link(part, dest)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error
    await rename(part, dest)
    return true
  }
  await unlink(part)
  return true
}

/** Fetches one file into the batch's folder, resuming a .part an earlier attempt left. */
export function downloadFile(item: DownloadItem, batch: BatchContext): Promise<FileOutcome> {
  return new FileDownload(item, batch).run()
}

/** Removes what unfinished files left in the folder (on cancel: nothing half-written stays). */
export function removeUnfinished(folder: string, items: readonly DownloadItem[]): Promise<void[]> {
  return Promise.all(items.map((item) => removePart(partPaths(folder, item.url, item.name))))
}
