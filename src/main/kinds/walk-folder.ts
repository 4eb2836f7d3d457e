import type { Dirent } from 'node:fs'
import { opendir } from 'node:fs/promises'
import { join } from 'node:path'

export interface WalkOptions {
  signal: AbortSignal
  /** A folder that could not be opened; the walk goes on without it. */
  onUnreadable: (dir: string, error: Error) => void
  /** Whether to go into a subfolder (all of them by default). */
  enter?: (path: string) => boolean
}

/**
 * Every entry under `folder`, folders included, depth first and in no set
 * order. Links are reported, never followed: following one may leave the
 * folder or loop.
 */
export async function* walkFolder(folder: string, { signal, onUnreadable, enter = () => true }: WalkOptions): AsyncGenerator<{ path: string; entry: Dirent }> {
  const pending = [folder]
  while (pending.length > 0) {
    signal.throwIfAborted()
    const dir = pending.pop()!
    let handle
    try {
      handle = await opendir(dir)
    } catch (error) {
      onUnreadable(dir, error as Error)
      continue
    }
    for await (const entry of handle) {
      const path = join(dir, entry.name)
      if (entry.isDirectory() && enter(path)) pending.push(path)
      yield { path, entry }
    }
  }
}
