import { access, constants, lstat, opendir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'

export interface FolderItem {
  /** Relative to the folder, with '/' between names (as archives store them). */
  path: string
  absolute: string
  type: 'file' | 'folder' | 'link'
  size: number
  mode: number
  mtime: Date
}

/**
 * Every file, folder and symlink under `folder` (links are not followed),
 * parents before their contents. What cannot be read, and what is neither
 * (sockets, pipes, devices), is passed to `skip` and left out.
 */
export async function listFolder(folder: string, signal: AbortSignal, skip: (path: string, why: string) => void): Promise<FolderItem[]> {
  const items: FolderItem[] = []
  const pending = [folder]
  while (pending.length > 0) {
    signal.throwIfAborted()
    const dir = pending.pop()!
    let handle
    try {
      handle = await opendir(dir)
    } catch (error) {
      skip(dir, (error as Error).message)
      continue
    }
    for await (const entry of handle) {
      const absolute = join(dir, entry.name)
      const path = relative(folder, absolute).split(sep).join('/')
      const type = entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'link' : null
      if (!type) {
        skip(absolute, 'not a file, folder or symlink')
        continue
      }
      try {
        const stat = await lstat(absolute)
        // Found now rather than as a failed read halfway through the archive.
        if (type === 'file') await access(absolute, constants.R_OK)
        items.push({ path, absolute, type, size: type === 'file' ? stat.size : 0, mode: stat.mode, mtime: stat.mtime })
        if (type === 'folder') pending.push(absolute)
      } catch (error) {
        skip(absolute, (error as Error).message)
      }
    }
  }
  return items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
