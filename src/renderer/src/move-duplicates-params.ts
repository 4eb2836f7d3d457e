import type { Job } from '../../shared/job'

export type KeepChoice = 'first' | 'oldest' | 'newest'

interface Group {
  hash: string
  size: number
  paths: string[]
}

const isGroup = (g: unknown): g is Group => {
  const o = g as Partial<Group> | null
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.hash === 'string' &&
    typeof o.size === 'number' &&
    Array.isArray(o.paths) &&
    o.paths.length > 1 &&
    o.paths.every((p) => typeof p === 'string')
  )
}

/** The groups a succeeded find-duplicates job listed, with the folder they are in; null for any other job, or one with none. */
export function foundDuplicates(job: Job): { folder: string; groups: Group[] } | null {
  if (job.kind !== 'find-duplicates' || job.status !== 'succeeded') return null
  const result = job.result as { folder?: unknown; groups?: unknown } | null
  const folder = result?.folder ?? (job.params as { folder?: unknown }).folder
  if (typeof folder !== 'string' || !Array.isArray(result?.groups)) return null
  const groups = result.groups.filter(isGroup)
  return groups.length > 0 ? { folder, groups } : null
}

/** How many files would move, and how many bytes they hold. */
export function extraCopies(groups: readonly Group[]): { files: number; bytes: number } {
  return groups.reduce((sum, g) => ({ files: sum.files + g.paths.length - 1, bytes: sum.bytes + g.size * (g.paths.length - 1) }), { files: 0, bytes: 0 })
}

/** The params of the move-duplicates job that sets aside the extra copies found by `job`; the server checks the paths. */
export function moveDuplicatesParams(job: Job, to: string, keep: KeepChoice): Record<string, unknown> | null {
  const found = foundDuplicates(job)
  if (!found) return null
  return {
    folder: found.folder,
    to: to.trim(),
    keep,
    groups: found.groups.map((g) => ({ paths: g.paths, hash: g.hash, size: g.size })),
  }
}
