/**
 * Text out of HTML and Markdown without a parser: an index needs the words
 * and a title, not the document tree, and a regex pass stays fast on a
 * 16 MB page that a DOM would turn into hundreds of MB.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  middot: '·',
  bull: '•',
  deg: '°',
  euro: '€',
  pound: '£',
  sect: '§',
  shy: '',
}

function codePoint(n: number): string {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff && (n < 0xd800 || n > 0xdfff) ? String.fromCodePoint(n) : ''
}

/** Character references as the characters they stand for; a name we don't know stays as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});/gi, (whole, ref: string) => {
    if (ref[0] === '#') return codePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10))
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole
  })
}

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim()

/** Elements that end a line where they start or stop, so words on either side don't run together. */
const BLOCK_TAG =
  /<\/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|section|article|header|footer|nav|aside|blockquote|pre|figure|figcaption|main|form)\b[^>]*>/gi

export interface MarkupText {
  title: string | null
  text: string
}

export function htmlText(html: string): MarkupText {
  const titleMatch = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html)
  const title = titleMatch ? collapse(decodeEntities(titleMatch[1]!.replace(/<[^>]*>/g, ''))) : ''
  const text = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|template|svg|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(BLOCK_TAG, '\n')
    .replace(/<[^>]*>/g, ' ')
  return {
    title: title === '' ? null : title,
    text: decodeEntities(text)
      .replace(/[^\S\n]+/g, ' ')
      .replace(/ ?\n[\s]*/g, '\n')
      .trim(),
  }
}

/** The first level-one ATX heading (`# Title`) outside fenced code. */
export function markdownTitle(markdown: string): string | null {
  let fence: string | null = null
  for (const line of markdown.split('\n', 10_000)) {
    const fenceMark = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1]
    if (fenceMark) {
      if (fence === null) fence = fenceMark
      else if (fenceMark[0] === fence[0] && fenceMark.length >= fence.length) fence = null
      continue
    }
    if (fence !== null) continue
    const heading = /^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)
    if (heading && heading[1]!.trim() !== '') return collapse(heading[1]!)
  }
  return null
}
