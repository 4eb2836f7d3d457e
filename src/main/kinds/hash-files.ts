import { relative } from 'node:path'
import { z } from 'zod'
import { hashFile, listFiles } from './file-hashes'
import { formatBytes } from './format-bytes'
import { defineKind } from './kind'
import { existingFolder } from './path-params'

/** A result is stored as one row; a folder of a million duplicates must not make it huge. */
const MAX_GROUPS = 1000
/** The biggest groups named in the summary; the result holds the rest. */
const SUMMARY_GROUPS = 20

export const hashFilesKind = defineKind({
  name: 'hash-files',
  // Hashing is fast next to reading the files: the disk is what it waits for.
  bound: 'io',
  description: 'Computes the SHA-256 of every file under a folder (symlinks are not followed) and groups identical files.',
  params: z.strictObject({ folder: existingFolder }),
  async run({ folder }, ctx) {
    let unreadable = 0
    const onError = (path: string, error: Error): void => {
      unreadable++
      ctx.log(`Skipped ${path}: ${error.message}`)
    }
    ctx.progress(0, 'Listing files')
    const files = await listFiles(folder, ctx.signal, onError)
    const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
    const byHash = new Map<string, { size: number; paths: string[] }>()
    let doneBytes = 0
    let hashed = 0
    for (const file of files) {
      const base = doneBytes
      let digest: string
      try {
        digest = await hashFile(file.path, ctx.signal, (n) => {
          doneBytes += n
          if (totalBytes > 0) ctx.progress(doneBytes / totalBytes, `${hashed + 1} of ${files.length} files`)
        })
      } catch (error) {
        ctx.signal.throwIfAborted()
        doneBytes = base + file.size
        onError(file.path, error as Error)
        continue
      }
      hashed++
      const group = byHash.get(digest) ?? { size: file.size, paths: [] }
      group.paths.push(relative(folder, file.path))
      byHash.set(digest, group)
    }
    const groups = [...byHash.entries()]
      .filter(([, g]) => g.paths.length > 1)
      .map(([hash, g]) => ({ hash, size: g.size, paths: g.paths }))
      .sort((a, b) => b.size * b.paths.length - a.size * a.paths.length)
    return {
      files: hashed,
      bytes: totalBytes,
      unreadable,
      duplicateGroups: groups.slice(0, MAX_GROUPS),
      duplicateGroupsTotal: groups.length,
    }
  },
  jobName: ({ folder }) => `hash-files: ${folder}`,
  summary: (r) => {
    // Keeping one copy of each group frees the rest.
    const reclaimable = r.duplicateGroups.reduce((sum, g) => sum + g.size * (g.paths.length - 1), 0)
    const shown = Math.min(SUMMARY_GROUPS, r.duplicateGroups.length)
    return [
      `${r.files.toLocaleString('en')} files, ${formatBytes(r.bytes)} · ${r.duplicateGroupsTotal.toLocaleString('en')} groups of duplicates · ${formatBytes(reclaimable)} to reclaim${r.duplicateGroupsTotal > r.duplicateGroups.length ? ' (in the groups kept)' : ''}`,
      ...(r.unreadable > 0 ? [`${r.unreadable.toLocaleString('en')} files or folders could not be read (see the log)`] : []),
      ...(shown < r.duplicateGroupsTotal ? [`The ${shown} biggest of ${r.duplicateGroupsTotal.toLocaleString('en')} groups:`] : []),
      ...r.duplicateGroups.slice(0, SUMMARY_GROUPS).map((g) => `${formatBytes(g.size)} × ${g.paths.length}: ${g.paths.join(', ')}`),
    ].join('\n')
  },
})
