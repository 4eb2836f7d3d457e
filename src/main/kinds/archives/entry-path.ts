/**
 * What an archive entry may be called and point to when it is unpacked.
 * Pure functions: nothing here touches the disk.
 */

export type Checked = { ok: true; path: string } | { ok: false; reason: string }

const DRIVE = /^[A-Za-z]:/

/**
 * An entry's name as a path under the extraction folder ('/' between
 * names, no "." or empty parts), or why it may not be unpacked. Backslashes
 * count as separators, as Windows tools write them, so "..\\x" is caught
 * too. The empty path is the folder itself (a tar's "./" entry).
 */
export function entryPath(name: string): Checked {
  if (name.includes('\0')) return { ok: false, reason: 'its name holds a NUL byte' }
  if (name.startsWith('/') || name.startsWith('\\')) return { ok: false, reason: 'absolute path' }
  if (DRIVE.test(name)) return { ok: false, reason: 'absolute path (drive letter)' }
  const parts = name.split(/[\\/]/).filter((part) => part !== '' && part !== '.')
  if (parts.includes('..')) return { ok: false, reason: 'its path leads out of the folder ("..")' }
  return { ok: true, path: parts.join('/') }
}

/**
 * Whether a symlink at `path` (an entryPath) with this target stays inside
 * the extraction folder by name. Links through other links are checked on
 * the disk afterwards (see ExtractTree), since names alone cannot tell.
 */
export function linkTargetByName(path: string, target: string): Checked {
  if (target === '') return { ok: false, reason: 'empty link target' }
  if (target.includes('\0')) return { ok: false, reason: 'its link target holds a NUL byte' }
  if (target.startsWith('/') || target.startsWith('\\') || DRIVE.test(target)) return { ok: false, reason: `link to an absolute path (${target})` }
  // On Windows a backslash separates folders ("..\\..\\x" climbs out); on POSIX it is a rare character in a name: refused on both.
  if (target.includes('\\')) return { ok: false, reason: `link target with a backslash (${target})` }
  const at = path.split('/').slice(0, -1)
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue
    if (part !== '..') at.push(part)
    else if (at.pop() === undefined) return { ok: false, reason: `link pointing outside the folder (${target})` }
  }
  return { ok: true, path: at.join('/') }
}
