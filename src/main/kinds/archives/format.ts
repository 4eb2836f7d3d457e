import { closeSync, openSync, readSync } from 'node:fs'

export const ARCHIVE_FORMATS = ['zip', 'tar.gz'] as const
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number]

/** The format a file name asks for, or null when it names none. */
export function formatFromName(path: string): ArchiveFormat | null {
  const name = path.toLowerCase()
  if (name.endsWith('.zip')) return 'zip'
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'tar.gz'
  return null
}

/** What an archive holds, by its first bytes: a name can lie, and a zip renamed .tgz is still a zip. */
export type SniffedFormat = 'zip' | 'tar.gz' | 'tar'

const USTAR_OFFSET = 257

/** Reads the first bytes of `path`; null when they are not a zip, a gzip stream or a tar. Throws when the file cannot be read. */
export function sniffArchive(path: string): SniffedFormat | null {
  const head = Buffer.alloc(512)
  const fd = openSync(path, 'r')
  let length: number
  try {
    length = readSync(fd, head, 0, head.length, 0)
  } finally {
    closeSync(fd)
  }
  // A local file header, or the end record of an empty zip.
  if (length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip'
  if (length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz'
  if (length >= USTAR_OFFSET + 5 && head.toString('latin1', USTAR_OFFSET, USTAR_OFFSET + 5) === 'ustar') return 'tar'
  return null
}

/** "1 symlink", "2 symlinks", with thousands separated. */
export const count = (n: number, word: string): string => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`
