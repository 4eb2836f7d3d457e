import { readdirSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { z } from 'zod'
import type { ExtractResult } from './archives/extract-archive'
import { count, sniffArchive } from './archives/format'
import { formatBytes } from './format-bytes'
import { defineKind } from './kind'
import { existingFile, outputFolder } from './path-params'

/** The refused entries named in the summary; the result holds more. */
const SUMMARY_REFUSED = 10

function isNonEmptyFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory() && readdirSync(path).length > 0
  } catch {
    return false
  }
}

function isArchive(path: string): boolean {
  try {
    return sniffArchive(path) !== null
  } catch {
    // Unreadable: existingFile says so.
    return true
  }
}

export const extractKind = defineKind({
  name: 'extract',
  // Inflating runs far faster than a disk takes thousands of new files: the disk is what it waits for.
  bound: 'io',
  description:
    'Unpacks a zip or tar.gz (told by its first bytes, not its name) into a new folder. Entries that would land outside it (".." or absolute paths, links leading out) are refused and listed; the rest is unpacked.',
  params: z.strictObject({
    file: existingFile.refine(isArchive, { message: 'Not a zip or tar.gz archive' }).describe('The archive to unpack'),
    out: outputFolder.refine((path) => !isNonEmptyFolder(path), { message: 'Exists and is not empty' }).describe('The folder to unpack into; made by the job'),
  }),
  async run(params, ctx) {
    const { extractArchive } = await import('./archives')
    return extractArchive(params, ctx)
  },
  jobName: ({ file }) => `extract: ${basename(file)}`,
  summary: (r: ExtractResult) =>
    [
      `${count(r.files, 'file')}, ${formatBytes(r.bytes)}${r.links > 0 ? `, ${count(r.links, 'symlink')}` : ''} unpacked from a ${r.format} into ${r.out}`,
      ...(r.refusedTotal > 0
        ? [
            `${r.refusedTotal.toLocaleString('en')} ${r.refusedTotal === 1 ? 'entry' : 'entries'} refused:`,
            ...r.refused.slice(0, SUMMARY_REFUSED).map((e) => `${e.path}: ${e.reason}`),
            ...(r.refusedTotal > SUMMARY_REFUSED ? [`… and ${(r.refusedTotal - SUMMARY_REFUSED).toLocaleString('en')} more (see the result and the log)`] : []),
          ]
        : []),
    ].join('\n'),
})
