import { existsSync, realpathSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'
import type { ArchiveResult } from './archives/archive-folder'
import { ARCHIVE_FORMATS, count, formatFromName } from './archives/format'
import { formatBytes } from './format-bytes'
import { defineKind } from './kind'
import { existingFolder, isInside, outputFile } from './path-params'

/** `path` with its links resolved, when it exists. */
function real(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

export const archiveKind = defineKind({
  name: 'archive',
  // Deflate keeps a core busy well below the speed of a disk: compressing is what it waits for.
  bound: 'cpu',
  description:
    'Packs a folder into a zip or tar.gz (zip64 when past 4 GB). Symlinks are stored as links in a tar.gz and left out of a zip (logged); nothing outside the folder is read.',
  params: z
    .strictObject({
      folder: existingFolder.describe('The folder to archive'),
      out: outputFile.describe('The archive to write, e.g. /backups/photos.zip or .tar.gz'),
      format: z.enum(ARCHIVE_FORMATS).optional().describe('zip or tar.gz; by default from the name of out (.zip, .tar.gz, .tgz)'),
      overwrite: z.boolean().default(false).describe('Replace out when it exists'),
    })
    .superRefine((p, ctx) => {
      if (typeof p.out !== 'string' || typeof p.folder !== 'string') return
      if (!p.format && !formatFromName(p.out)) {
        ctx.addIssue({ code: 'custom', path: ['format'], message: 'Say zip or tar.gz: the name of out ends in neither .zip, .tar.gz nor .tgz' })
      }
      if (isInside(p.out, p.folder) || isInside(join(real(dirname(p.out)), basename(p.out)), real(p.folder))) {
        ctx.addIssue({ code: 'custom', path: ['out'], message: 'Is inside the folder being archived' })
      }
      if (!p.overwrite && existsSync(p.out)) ctx.addIssue({ code: 'custom', path: ['out'], message: 'Exists already; set overwrite to replace it' })
    }),
  async run(params, ctx) {
    const { archiveFolder } = await import('./archives')
    return archiveFolder({ ...params, format: params.format ?? formatFromName(params.out)! }, ctx)
  },
  jobName: ({ folder, out }) => `archive: ${basename(folder)} → ${basename(out)}`,
  summary: (r: ArchiveResult) =>
    [
      `${count(r.files, 'file')}, ${formatBytes(r.bytesIn)} → ${formatBytes(r.bytesOut)} ${r.format}${r.bytesIn > 0 ? ` (${Math.round((r.bytesOut / r.bytesIn) * 100)}%)` : ''}`,
      `Written to ${r.out}`,
      ...(r.links > 0 ? [`${count(r.links, 'symlink')} stored as links`] : []),
      ...(r.skipped > 0 ? [`${count(r.skipped, 'item')} left out (see the log)`] : []),
    ].join('\n'),
})
