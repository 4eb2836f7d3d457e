import { realpath, stat } from 'node:fs/promises'
import { isAbsolute, join, normalize, resolve, sep } from 'node:path'
import { z } from 'zod'
import { hashFile } from './file-hashes'
import { formatBytes } from './format-bytes'
import { defineKind } from './kind'
import { ChangedWhileMoving, moveWithoutClobber } from './move-duplicates-files'
import { existingFolder, isInside, outputFolder } from './path-params'

const MAX_LISTED = 1000
const SUMMARY_LINES = 10
const CHANGED = 'changed since the scan: it no longer matches its group'

const relativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) => {
      const rel = normalize(p)
      return !isAbsolute(p) && rel !== '.' && rel !== '..' && !rel.startsWith(`..${sep}`)
    },
    { message: 'Must be a path inside the folder' },
  )

const Group = z.strictObject({
  paths: z.array(relativePath).min(2).max(100_000).describe('The copies, relative to the folder'),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe('Their SHA-256 when found; without it, what most of them hash to now'),
  size: z.int().min(0).optional().describe('Their size in bytes when found'),
})

type Keep = 'first' | 'oldest' | 'newest'

interface Copy {
  path: string
  /** Where it is on disk, the one path both the checks and the move use. */
  full: string
  size: number
  mtimeMs: number
  hash: string
}

export interface MoveDuplicatesResult {
  moved: { from: string; to: string }[]
  movedTotal: number
  bytesMoved: number
  kept: string[]
  keptTotal: number
  skipped: { path: string; reason: string }[]
  skippedTotal: number
}

function keeperOf(copies: Copy[], keep: Keep): Copy {
  if (keep === 'first') return copies[0]!
  // Ties go to the earlier path, so the choice never depends on the file system's order.
  return copies.reduce((best, c) => ((keep === 'oldest' ? c.mtimeMs < best.mtimeMs : c.mtimeMs > best.mtimeMs) ? c : best))
}

/** The hash most of them have now; a tie goes to the first path's. */
function commonHash(copies: Copy[]): string {
  const counts = new Map<string, number>()
  for (const c of copies) counts.set(c.hash, (counts.get(c.hash) ?? 0) + 1)
  return copies.reduce((best, c) => (counts.get(c.hash)! > counts.get(best)! ? c.hash : best), copies[0]!.hash)
}

export const moveDuplicatesKind = defineKind({
  name: 'move-duplicates',
  // Renames, and a copy only across devices: the disk is what it waits for.
  bound: 'io',
  description:
    'Moves the extra copies of each group of identical files (as find-duplicates lists them) into another folder, under the same relative paths. ' +
    'It never deletes: each file is hashed again first and left alone if it no longer matches; a name taken in the destination gets " (2)".',
  params: z
    .strictObject({
      folder: existingFolder.describe('The folder the groups were found in'),
      to: outputFolder.describe('Where the extra copies go (made if needed); not inside the folder'),
      groups: z.array(Group).min(1).max(100_000).describe('Groups of identical files, as a find-duplicates result lists them'),
      keep: z
        .enum(['first', 'oldest', 'newest'])
        .default('first')
        .describe('Which copy of each group stays: the first listed, the oldest or the newest by modification time'),
    })
    .superRefine(({ folder, to }, ctx) => {
      if (isInside(to, folder)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'Must not be inside the folder (the copies would be found again)' })
    }),
  async run({ folder, to, groups, keep }, ctx): Promise<MoveDuplicatesResult> {
    const result: MoveDuplicatesResult = { moved: [], movedTotal: 0, bytesMoved: 0, kept: [], keptTotal: 0, skipped: [], skippedTotal: 0 }
    const skip = (path: string, reason: string): void => {
      result.skippedTotal++
      if (result.skipped.length < MAX_LISTED) result.skipped.push({ path, reason })
      ctx.log(`Skipped ${path}: ${reason}`)
    }
    const total = groups.reduce((n, g) => n + g.paths.length, 0)
    let done = 0
    const root = await realpath(folder)
    for (const [index, group] of groups.entries()) {
      const copies: Copy[] = []
      // Two names for one file (a hard link, a case alias, a path through a linked folder): moving "the other" would move the only copy.
      const identities = new Map<string, string>()
      for (const path of new Set(group.paths.map(normalize))) {
        ctx.signal.throwIfAborted()
        ctx.progress(done++ / total, `Group ${index + 1} of ${groups.length}`)
        const full = resolve(folder, path)
        try {
          const info = await stat(full)
          if (!info.isFile()) {
            skip(path, 'not a file any more')
            continue
          }
          if (!isInside(await realpath(full), root)) {
            skip(path, 'outside the folder through a link')
            continue
          }
          const identity = `${info.dev}:${info.ino}`
          const same = identities.get(identity)
          if (same !== undefined) {
            skip(path, `the same file as ${same} under another name`)
            continue
          }
          identities.set(identity, path)
          if (group.size !== undefined && info.size !== group.size) {
            skip(path, CHANGED)
            continue
          }
          copies.push({ path, full, size: info.size, mtimeMs: info.mtimeMs, hash: await hashFile(full, ctx.signal) })
        } catch (error) {
          ctx.signal.throwIfAborted()
          skip(path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : (error as Error).message)
        }
      }
      if (copies.length === 0) continue
      const hash = group.hash ?? commonHash(copies)
      const alike = copies.filter((c) => {
        if (c.hash !== hash) skip(c.path, CHANGED)
        return c.hash === hash
      })
      if (alike.length === 0) continue
      const keeper = keeperOf(alike, keep)
      result.keptTotal++
      if (result.kept.length < MAX_LISTED) result.kept.push(keeper.path)
      for (const copy of alike) {
        if (copy === keeper) continue
        // Each move is whole before the next begins: a cancel stops between files.
        ctx.signal.throwIfAborted()
        try {
          const dest = await moveWithoutClobber(copy.full, join(to, copy.path), hash, ctx.signal)
          result.movedTotal++
          result.bytesMoved += copy.size
          if (result.moved.length < MAX_LISTED) result.moved.push({ from: copy.path, to: dest })
          ctx.log(`Moved ${copy.path} to ${dest}`)
        } catch (error) {
          ctx.signal.throwIfAborted()
          skip(copy.path, error instanceof ChangedWhileMoving ? 'changed while being moved' : (error as Error).message)
        }
      }
    }
    ctx.progress(1, `Moved ${result.movedTotal} files`)
    return result
  },
  jobName: ({ folder, to }) => `move-duplicates: ${folder} → ${to}`,
  summary: (r) =>
    [
      `Moved ${r.movedTotal.toLocaleString('en')} extra copies (${formatBytes(r.bytesMoved)}); kept one in each of ${r.keptTotal.toLocaleString('en')} groups`,
      ...(r.skippedTotal > 0
        ? [`Skipped ${r.skippedTotal.toLocaleString('en')}:`, ...r.skipped.slice(0, SUMMARY_LINES).map((s) => `${s.path}: ${s.reason}`)]
        : []),
    ].join('\n'),
})
