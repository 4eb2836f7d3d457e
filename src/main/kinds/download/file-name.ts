import { extname } from 'node:path'

/** What a file is called when neither the server nor the URL gives it a usable name. */
export const FALLBACK_NAME = 'download'
/** File systems take 255 bytes; the rest is room for " (2)" and the .part suffix. */
const MAX_NAME_BYTES = 200
/** Characters Windows refuses in a name; a name from a server may carry them. */
const UNSAFE = /[/\\<>:"|?*]/g
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

function truncateBytes(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name
  const ext = extname(name)
  const keep = Buffer.byteLength(ext) < maxBytes / 2 ? ext : ''
  let stem = name.slice(0, name.length - keep.length)
  // Code point by code point, so a character is never cut in half.
  while (Buffer.byteLength(stem + keep) > maxBytes) stem = [...stem].slice(0, -1).join('')
  return stem + keep
}

/**
 * A name from a server or a URL made safe to create in the download folder:
 * no path separators, no `.` or `..`, nothing a file system refuses, never empty.
 */
export function sanitiseName(raw: string): string {
  const name = raw
    .normalize('NFC')
    .replace(new RegExp(CONTROL, 'g'), '')
    .replace(UNSAFE, '_')
    .trim()
    // Windows drops trailing dots and spaces, which would make "a." and "a" the same file.
    .replace(/[. ]+$/, '')
  return name === '' ? FALLBACK_NAME : truncateBytes(name, MAX_NAME_BYTES)
}

/** Whether a name given in the params can be used as it is (it is refused, not silently changed). */
export function isPlainName(name: string): boolean {
  return name !== '.' && name !== '..' && !/[/\\]/.test(name) && !CONTROL.test(name) && Buffer.byteLength(name) <= MAX_NAME_BYTES
}

/** The URL's last path segment, decoded. */
export function nameFromUrl(url: string): string {
  const segments = new URL(url).pathname.split('/')
  const last = segments[segments.length - 1] ?? ''
  let decoded: string
  try {
    decoded = decodeURIComponent(last)
  } catch {
    decoded = last
  }
  return sanitiseName(decoded)
}

function decodeExtendedValue(value: string): string | null {
  // RFC 8187: charset'language'percent-encoded-bytes
  const match = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(value)
  if (!match) return null
  const charset = match[1]!.toLowerCase()
  try {
    if (charset === 'utf-8') return decodeURIComponent(match[2]!)
    if (charset === 'iso-8859-1') return match[2]!.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  } catch {
    return null
  }
  return null
}

/** The file name a Content-Disposition header gives (filename* wins over filename), sanitised; null when it gives none. */
export function nameFromContentDisposition(header: string | null): string | null {
  if (!header) return null
  let plain: string | null = null
  let extended: string | null = null
  for (const match of header.matchAll(/;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    const key = match[1]!.toLowerCase()
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim()
    if (key === 'filename*') extended ??= decodeExtendedValue(value)
    else if (key === 'filename') plain ??= value
  }
  const name = extended ?? plain
  return name && name.trim() !== '' ? sanitiseName(name) : null
}

/** `name`, then `name (2)`, `name (3)`…, the number before the extension as browsers do. */
export function* nameCandidates(name: string, max: number): Generator<string> {
  yield name
  const ext = extname(name)
  const stem = name.slice(0, name.length - ext.length)
  for (let n = 2; n <= max; n++) yield `${stem} (${n})${ext}`
}
