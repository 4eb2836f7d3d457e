import { relative } from 'node:path'
import { hashFile, listFiles, type FileEntry } from './file-hashes'

/** Files bigger than this are told apart by their first bytes before being read in full: most same-size files differ early. */
export const QUICK_BYTES = 4096

export interface DuplicateGroup {
  hash: string
  size: number
  /** Relative to the folder, sorted. */
  paths: string[]
}

export interface ScanReport {
  /** Regular files found under the folder (of any size). */
  scanned: number
  /** Names left out as hard links to a file already listed. */
  hardLinks: number
  /** Files read at all (first bytes or in full): only those sharing a size with another. */
  hashed: number
  bytesHashed: number
  /** Every group found, largest reclaimable first. */
  groups: DuplicateGroup[]
  unreadable: { path: string; error: string }[]
}

export interface ScanHooks {
  signal: AbortSignal
  progress(fraction: number, message: string): void
  onError(path: string, error: Error): void
}

export const reclaimableOf = (g: { size: number; paths: readonly unknown[] }): number => g.size * (g.paths.length - 1)

function bucket<K>(files: FileEntry[], keyOf: (file: FileEntry) => K): FileEntry[][] {
  const by = new Map<K, FileEntry[]>()
  for (const file of files) {
    const key = keyOf(file)
    const list = by.get(key)
    if (list) list.push(file)
    else by.set(key, [file])
  }
  return [...by.values()].filter((list) => list.length > 1)
}

/**
 * Groups identical files under `folder`: by size first, so a file with no
 * other of its size is never read; then, for big files, by a hash of their
 * first 4 KB; only what still matches is hashed in full.
 */
export async function scanForDuplicates(folder: string, minSize: number, hooks: ScanHooks): Promise<ScanReport> {
  const { signal } = hooks
  const unreadable: ScanReport['unreadable'] = []
  const onError = (path: string, error: Error): void => {
    unreadable.push({ path: relative(folder, path), error: error.message })
    hooks.onError(path, error)
  }
  hooks.progress(0, 'Listing files')
  const files = await listFiles(folder, signal, onError)
  // A second name for a file already listed frees nothing when moved: only the first name counts.
  const identities = new Set<string>()
  const distinct = files.filter((f) => !identities.has(f.identity) && identities.add(f.identity))
  const sameSize = bucket(
    distinct.filter((f) => f.size >= minSize),
    (f) => f.size,
  )

  // Progress is by bytes: those read, against those read plus those still planned, which shrink as files are ruled out.
  let done = 0
  let planned = sameSize.flat().reduce((sum, f) => sum + (f.size > QUICK_BYTES ? QUICK_BYTES : 0) + f.size, 0)
  const read = new Set<string>()
  const hashes = new Map<FileEntry, string>()
  /** Hashes each file's first `limit` bytes; those that can't be read are reported and left out. */
  const hashAll = async (list: FileEntry[], limit: number, stage: string): Promise<FileEntry[]> => {
    const ok: FileEntry[] = []
    for (const file of list) {
      let seen = 0
      const onBytes = (n: number): void => {
        seen += n
        done += n
        planned -= n
        hooks.progress(done / (done + planned), stage)
      }
      read.add(file.path)
      try {
        hashes.set(file, await hashFile(file.path, signal, onBytes, limit))
        ok.push(file)
      } catch (error) {
        signal.throwIfAborted()
        onError(file.path, error as Error)
        // Its full read will not happen either.
        if (limit < file.size) planned -= file.size
      }
      // A file that shrank since it was listed reads short.
      planned -= Math.max(0, Math.min(limit, file.size) - seen)
    }
    return ok
  }

  const fullCandidates: FileEntry[][] = []
  for (const group of sameSize) {
    if (group[0]!.size <= QUICK_BYTES) {
      fullCandidates.push(group)
      continue
    }
    const ok = await hashAll(group, QUICK_BYTES, 'Comparing first bytes')
    const alike = bucket(ok, (f) => hashes.get(f)!)
    fullCandidates.push(...alike)
    planned -= (ok.length - alike.reduce((n, list) => n + list.length, 0)) * group[0]!.size
  }

  const groups: DuplicateGroup[] = []
  for (const candidates of fullCandidates) {
    const ok = await hashAll(candidates, Infinity, 'Hashing files of the same size')
    for (const list of bucket(ok, (f) => hashes.get(f)!)) {
      groups.push({ hash: hashes.get(list[0]!)!, size: list[0]!.size, paths: list.map((f) => relative(folder, f.path)).sort() })
    }
  }
  groups.sort((a, b) => reclaimableOf(b) - reclaimableOf(a) || (a.paths[0]! < b.paths[0]! ? -1 : 1))
  return { scanned: files.length, hardLinks: files.length - distinct.length, hashed: read.size, bytesHashed: done, groups, unreadable }
}
