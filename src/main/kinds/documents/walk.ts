import { stat } from 'node:fs/promises'
import { basename, relative, sep } from 'node:path'
import picomatch from 'picomatch'
import { documentType, type DocumentType } from './extract'
import { walkFolder } from '../walk-folder'

export interface FoundDocument {
  path: string
  type: DocumentType
  size: number
  /** Whole milliseconds, as the index stores them. */
  mtimeMs: number
}

export interface Listing {
  /** Sorted by path, so runs (and a run resumed after a cancel) go through a folder in the same order. */
  documents: FoundDocument[]
  /** Folders and files that could not be listed or looked at: what the index holds under them is kept, not dropped. */
  unreachable: string[]
}

export interface WalkOptions {
  include: readonly string[]
  exclude: readonly string[]
  ocr: boolean
}

/** Same rule as folder watches: a glob without "/" is matched against the file's name ("*.pdf" at any depth), one with "/" against the path under the folder. */
function globMatcher(glob: string): (rel: string) => boolean {
  const byName = !glob.includes('/')
  const isMatch = picomatch(glob, { dot: false })
  return (rel) => isMatch(byName ? basename(rel) : rel)
}

export function pathFilter(include: readonly string[], exclude: readonly string[]): (rel: string) => boolean {
  const included = include.map(globMatcher)
  const excluded = exclude.map(globMatcher)
  return (rel) => (included.length === 0 || included.some((m) => m(rel))) && !excluded.some((m) => m(rel))
}

/** The documents under `folder` (symlinks are not followed) that the job's types and globs take in. */
export async function listDocuments(
  folder: string,
  options: WalkOptions,
  signal: AbortSignal,
  onError: (path: string, error: Error) => void,
): Promise<Listing> {
  const wanted = pathFilter(options.include, options.exclude)
  const documents: FoundDocument[] = []
  const unreachable: string[] = []
  const onUnreadable = (dir: string, error: Error): void => {
    unreachable.push(dir)
    onError(dir, error)
  }
  for await (const { path, entry } of walkFolder(folder, { signal, onUnreadable })) {
    if (!entry.isFile()) continue
    const type = documentType(path, options.ocr)
    if (type === null || !wanted(relative(folder, path).split(sep).join('/'))) continue
    try {
      const stats = await stat(path)
      documents.push({ path, type, size: stats.size, mtimeMs: Math.trunc(stats.mtimeMs) })
    } catch (error) {
      // Deleted since it was listed: gone, like any deleted file.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      unreachable.push(path)
      onError(path, error as Error)
    }
  }
  return { documents: documents.sort((a, b) => (a.path < b.path ? -1 : 1)), unreachable }
}
