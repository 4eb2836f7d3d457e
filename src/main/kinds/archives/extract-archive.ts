import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, rmdir, stat, statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import { JobFailure, type JobContext } from '../kind'
import { ExtractTree, type TreeCounts } from './extract-tree'
import { formatBytes } from '../format-bytes'
import { sniffArchive, type SniffedFormat } from './format'
import { extractTar } from './read-tar'
import { extractZip } from './read-zip'

/** Beyond this many entries an archive is refused: each costs an inode, and a million is more than any sane archive holds. */
export const MAX_ENTRIES = 1_000_000

export interface ExtractResult extends TreeCounts {
  out: string
  format: SniffedFormat
}

/**
 * Unpacks `file` into a temp folder beside `out` and renames it to `out`
 * when complete, so that a failure or a cancel leaves no `out` at all.
 */
export async function extractArchive({ file, out }: { file: string; out: string }, ctx: JobContext): Promise<ExtractResult> {
  const format = sniffArchive(file)
  if (!format) throw new JobFailure('job_error', `${file} is not a zip or tar.gz archive`)
  const parent = dirname(out)
  await mkdir(parent, { recursive: true })
  const temp = await mkdtemp(`${out}.partial-`)
  try {
    const disk = await statfs(parent)
    // Declared sizes against the free space: a bomb is refused before it fills the disk, and yauzl and tar make sure the declared sizes are the written ones.
    const tree = new ExtractTree(temp, { maxBytes: disk.bavail * disk.bsize, maxEntries: MAX_ENTRIES }, (line) => ctx.log(line))
    const { size } = await stat(file)
    const options = {
      signal: ctx.signal,
      onProgress: (bytes: number) => ctx.progress(size > 0 ? Math.min(1, bytes / size) : 0, `${formatBytes(Math.min(bytes, size))} of ${formatBytes(size)}`),
    }
    if (format === 'zip') await extractZip(file, tree, options)
    else await extractTar(file, tree, options)
    await tree.finish(ctx.signal)
    ctx.signal.throwIfAborted()
    if (existsSync(out)) {
      await rmdir(out).catch((error: NodeJS.ErrnoException) => {
        throw new JobFailure('job_error', `${out} is no longer empty (${error.code}); the archive was not unpacked into it`)
      })
    }
    await rename(temp, out)
    return { out, format, ...tree.result }
  } catch (error) {
    await rm(temp, { recursive: true, force: true, maxRetries: 3 })
    throw error
  }
}
