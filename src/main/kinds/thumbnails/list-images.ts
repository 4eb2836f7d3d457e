import { extname, relative } from 'node:path'
import { isInside } from '../path-params'
import { walkFolder } from '../walk-folder'

export interface SourceImage {
  path: string
  /** Its path under the input folder, which its thumbnail mirrors. */
  rel: string
}

export interface ListOptions {
  /** Lower-case file extensions with their dot (".jpg"). */
  extensions: ReadonlySet<string>
  /** A folder not to enter: the thumbnails' own, when the input folder holds it. */
  skip: string
  signal: AbortSignal
  onError: (path: string, error: Error) => void
}

/** The images under `folder` (links are not followed), sorted by path. */
export async function listImages(folder: string, { extensions, skip, signal, onError }: ListOptions): Promise<SourceImage[]> {
  const images: SourceImage[] = []
  for await (const { path, entry } of walkFolder(folder, { signal, onUnreadable: onError, enter: (path) => !isInside(path, skip) })) {
    if (entry.isFile() && extensions.has(extname(entry.name).toLowerCase())) images.push({ path, rel: relative(folder, path) })
  }
  return images.sort((a, b) => (a.rel < b.rel ? -1 : 1))
}
