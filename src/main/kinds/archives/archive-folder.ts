import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { JobFailure, type JobContext } from '../kind'
import { formatBytes } from '../format-bytes'
import type { ArchiveFormat } from './format'
import { listFolder } from './list-folder'
import { tarSizeOf, writeTarGz } from './write-tar'
import { writeZip } from './write-zip'

export interface ArchiveParams {
  folder: string
  out: string
  format: ArchiveFormat
  overwrite: boolean
}

export interface ArchiveResult {
  out: string
  format: ArchiveFormat
  files: number
  folders: number
  links: number
  /** Items left out (unreadable, special files, symlinks in a zip); each is in the log. */
  skipped: number
  bytesIn: number
  bytesOut: number
}

/**
 * Archives `folder` into a temp file beside `out`, renamed to `out` only
 * when complete; on failure or cancel the temp file is removed.
 */
export async function archiveFolder({ folder, out, format, overwrite }: ArchiveParams, ctx: JobContext): Promise<ArchiveResult> {
  let skipped = 0
  const skip = (path: string, why: string): void => {
    skipped++
    ctx.log(`Skipped ${path}: ${why}`)
  }
  ctx.progress(0, 'Listing files')
  const listed = await listFolder(folder, ctx.signal, skip)
  // A zip link would be extracted as a text file by many tools, and following it could pull in anything on the disk.
  const items = listed.filter((item) => {
    if (format !== 'zip' || item.type !== 'link') return true
    skip(item.absolute, 'symlinks are not stored in a zip')
    return false
  })
  const bytesIn = items.reduce((sum, item) => sum + item.size, 0)
  const partial = `${out}.${randomBytes(4).toString('hex')}.partial`
  const report = (done: number): void => {
    const bytes = Math.min(done, bytesIn)
    ctx.progress(bytesIn > 0 ? bytes / bytesIn : 0, `${formatBytes(bytes)} of ${formatBytes(bytesIn)}`)
  }
  await mkdir(dirname(out), { recursive: true })
  try {
    if (format === 'zip') {
      let read = 0
      await writeZip(items, partial, { signal: ctx.signal, skip, onRead: (bytes) => report((read += bytes)) })
    } else {
      // The tar stream holds headers and padding too: progress is its share of the whole, shown as bytes of the input.
      const tarSize = tarSizeOf(items)
      let made = 0
      await writeTarGz(folder, items, partial, { signal: ctx.signal, skip, onTarBytes: (bytes) => report(((made += bytes) / tarSize) * bytesIn) })
    }
    ctx.signal.throwIfAborted()
    ctx.progress(1, `${formatBytes(bytesIn)} of ${formatBytes(bytesIn)}`)
    if (!overwrite && existsSync(out)) throw new JobFailure('job_error', `${out} appeared while the archive was made; it was left as it is`)
    await rename(partial, out)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  }
  const count = (type: string): number => items.filter((item) => item.type === type).length
  return {
    out,
    format,
    files: count('file'),
    folders: count('folder'),
    links: count('link'),
    skipped,
    bytesIn,
    bytesOut: (await stat(out)).size,
  }
}
