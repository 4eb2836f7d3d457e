import { z } from 'zod'
import { formatBytes } from './format-bytes'
import { reclaimableOf, scanForDuplicates, type DuplicateGroup } from './find-duplicates-scan'
import { defineKind } from './kind'
import { existingFolder } from './path-params'

/**
 * The groups listed in a result are cut to about this many characters of
 * paths: the result is one row, and the panel hands the groups on as the
 * params of a move-duplicates job, which are limited to 256 KB.
 */
const LISTED_PATH_CHARS = 150_000
/** Room each listed group takes besides its paths (hash, size, JSON). */
const GROUP_OVERHEAD_CHARS = 120
const MAX_UNREADABLE = 100
const SUMMARY_GROUPS = 10

export interface FindDuplicatesResult {
  folder: string
  scanned: number
  hardLinks: number
  hashed: number
  bytesHashed: number
  /** The largest reclaimable groups, as many as fit; `groupsTotal` counts them all. */
  groups: DuplicateGroup[]
  groupsTotal: number
  /** Bytes freed by keeping one copy of every group found (listed or not). */
  reclaimableBytes: number
  duplicateFiles: number
  unreadable: { path: string; error: string }[]
  unreadableTotal: number
}

function listed(groups: DuplicateGroup[]): DuplicateGroup[] {
  const kept: DuplicateGroup[] = []
  let chars = 0
  for (const group of groups) {
    chars += GROUP_OVERHEAD_CHARS + group.paths.reduce((n, p) => n + p.length + 3, 0)
    if (chars > LISTED_PATH_CHARS) break
    kept.push(group)
  }
  return kept
}

export const findDuplicatesKind = defineKind({
  name: 'find-duplicates',
  // Mostly reading files; hashing keeps up with the disk.
  bound: 'io',
  description:
    'Finds identical files under a folder (symlinks are not followed). Only files that share a size with another are read, ' +
    'big ones first by their first 4 KB; the result lists the groups that free the most space first.',
  params: z.strictObject({
    folder: existingFolder.describe('The folder to search, with its subfolders'),
    minSize: z
      .int()
      .min(0)
      .default(1)
      .describe('Files smaller than this many bytes are left out (by default empty files, which are all alike and free nothing)'),
  }),
  async run({ folder, minSize }, ctx): Promise<FindDuplicatesResult> {
    const report = await scanForDuplicates(folder, minSize, {
      signal: ctx.signal,
      progress: (fraction, message) => ctx.progress(fraction, message),
      onError: (path, error) => ctx.log(`Skipped ${path}: ${error.message}`),
    })
    return {
      folder,
      scanned: report.scanned,
      hardLinks: report.hardLinks,
      hashed: report.hashed,
      bytesHashed: report.bytesHashed,
      groups: listed(report.groups),
      groupsTotal: report.groups.length,
      reclaimableBytes: report.groups.reduce((sum, g) => sum + reclaimableOf(g), 0),
      duplicateFiles: report.groups.reduce((sum, g) => sum + g.paths.length - 1, 0),
      unreadable: report.unreadable.slice(0, MAX_UNREADABLE),
      unreadableTotal: report.unreadable.length,
    }
  },
  jobName: ({ folder }) => `find-duplicates: ${folder}`,
  summary: (r) => {
    const more = r.groupsTotal - r.groups.length
    return [
      `${r.groupsTotal.toLocaleString('en')} groups of duplicates · ${r.duplicateFiles.toLocaleString('en')} extra copies · ${formatBytes(r.reclaimableBytes)} to reclaim`,
      `${r.scanned.toLocaleString('en')} files scanned, ${r.hashed.toLocaleString('en')} read (${formatBytes(r.bytesHashed)})`,
      ...(r.hardLinks > 0
        ? [`${r.hardLinks === 1 ? 'A hard link' : `${r.hardLinks.toLocaleString('en')} hard links`} to files already counted left out (no extra space)`]
        : []),
      ...(r.unreadableTotal > 0 ? [`${r.unreadableTotal.toLocaleString('en')} files or folders could not be read (see the log)`] : []),
      ...(more > 0 ? [`${more.toLocaleString('en')} smaller groups are not listed: run it again once these are dealt with`] : []),
      ...r.groups
        .slice(0, SUMMARY_GROUPS)
        .map(
          (g) =>
            `${formatBytes(reclaimableOf(g))} to reclaim · ${formatBytes(g.size)} × ${g.paths.length}: ${g.paths.slice(0, 5).join(', ')}${g.paths.length > 5 ? ', …' : ''}`,
        ),
    ].join('\n')
  },
})
