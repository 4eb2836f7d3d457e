import { open, readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { docxTitle } from './docx-title'
import { htmlText, markdownTitle } from './markup'
import type { Ocr } from './ocr'

/**
 * The text kept per document. One giant log file or PDF must not make the
 * index huge or one FTS row take seconds to write; the first 2 Mi characters
 * (a thousand pages of prose) find the document.
 */
export const MAX_TEXT_CHARS = 2 * 1024 * 1024
/** HTML is mostly markup: this much of a page is read to find its first MAX_TEXT_CHARS of text. */
const MAX_HTML_BYTES = 8 * MAX_TEXT_CHARS
/** PDFs and docx files are read whole (their structure is spread through the file), so a limit keeps memory bounded. */
export const MAX_WHOLE_FILE_BYTES = 256 * 1024 * 1024

export type DocumentType = 'text' | 'markdown' | 'html' | 'pdf' | 'docx' | 'image'

const TYPES: Record<string, DocumentType> = {
  '.txt': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.webp': 'image',
  '.tif': 'image',
  '.tiff': 'image',
  '.bmp': 'image',
}

/** What a file is by its name; images only count when they will be read (with OCR). */
export function documentType(path: string, ocr: boolean): DocumentType | null {
  const type = TYPES[extname(path).toLowerCase()] ?? null
  return type === 'image' && !ocr ? null : type
}

export interface Extracted {
  /** Its own title (HTML <title>, first markdown heading, docx title property); null when it has none. */
  title: string | null
  text: string
  /** The text was longer than MAX_TEXT_CHARS (or the file than what is read of it) and was cut. */
  truncated: boolean
  /** Pages and pictures read by OCR. */
  ocrPages: number
  /** It has pages without text that OCR (off for this job) would read. */
  needsOcr: boolean
  bytesRead: number
}

export interface ExtractOptions {
  /** Read scanned PDF pages (images are only listed when it is on). */
  useOcr: boolean
  ocr: Ocr
  signal: AbortSignal
}

/** Cuts to the cap without splitting a surrogate pair. */
function capped(text: string): { text: string; truncated: boolean } {
  if (text.length <= MAX_TEXT_CHARS) return { text, truncated: false }
  const end = /[\uD800-\uDBFF]/.test(text[MAX_TEXT_CHARS - 1]!) ? MAX_TEXT_CHARS - 1 : MAX_TEXT_CHARS
  return { text: text.slice(0, end), truncated: true }
}

/** The first `limit` bytes of a file as UTF-8 (a character cut at the end is dropped), and whether there was more. */
async function readHead(path: string, size: number, limit: number): Promise<{ text: string; bytes: number; more: boolean }> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(Math.min(size, limit) + 1)
    let bytes = 0
    while (bytes < buffer.length) {
      const { bytesRead } = await handle.read(buffer, bytes, buffer.length - bytes, bytes)
      if (bytesRead === 0) break
      bytes += bytesRead
    }
    const more = bytes > limit
    const head = buffer.subarray(0, Math.min(bytes, limit))
    let text = new TextDecoder('utf-8').decode(head)
    if (more) text = text.replace(/\uFFFD$/, '')
    return { text: text.replace(/^\uFEFF/, ''), bytes: head.length, more }
  } finally {
    await handle.close()
  }
}

async function readWhole(path: string, size: number): Promise<Buffer> {
  if (size > MAX_WHOLE_FILE_BYTES) {
    throw new Error(`it is ${Math.round(size / 1024 / 1024)} MiB; files over ${MAX_WHOLE_FILE_BYTES / 1024 / 1024} MiB of this type are not read`)
  }
  return readFile(path)
}

/** Same spacing as unpdf's merged text, page by page. */
const tidyPages = (pages: string[]): string =>
  pages
    .join('\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()

async function pdfText(data: Buffer, options: ExtractOptions): Promise<Omit<Extracted, 'bytesRead'>> {
  const { getDocumentProxy, extractText, extractImages } = await import('unpdf')
  // verbosity 0: a font pdf.js can't parse is not worth a line in the job's log; the text still comes out.
  const pdf = await getDocumentProxy(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { verbosity: 0 })
  try {
    const { text: pages } = await extractText(pdf, { mergePages: false })
    let ocrPages = 0
    let needsOcr = false
    for (const [i, page] of pages.entries()) {
      if (page.trim() !== '') continue
      // A page with no text layer is a scan (or a picture, or blank): its words, if any, are in its images.
      if (!options.useOcr) {
        needsOcr = true
        continue
      }
      const words: string[] = []
      for (const image of await extractImages(pdf, i + 1)) {
        options.signal.throwIfAborted()
        words.push(await options.ocr.read(image))
      }
      if (words.length > 0) ocrPages++
      pages[i] = words.join('\n')
    }
    return { title: null, ...capped(tidyPages(pages)), ocrPages, needsOcr }
  } finally {
    await pdf.destroy()
  }
}

/** Reads one document's words. Throws when they can't be read (the caller keeps the document with that error). */
export async function extract(path: string, type: DocumentType, size: number, options: ExtractOptions): Promise<Extracted> {
  const plain = { ocrPages: 0, needsOcr: false }
  switch (type) {
    case 'text':
    case 'markdown': {
      const head = await readHead(path, size, MAX_TEXT_CHARS)
      const { text, truncated } = capped(head.text)
      return { title: type === 'markdown' ? markdownTitle(text) : null, text, truncated: truncated || head.more, bytesRead: head.bytes, ...plain }
    }
    case 'html': {
      const head = await readHead(path, size, MAX_HTML_BYTES)
      const { title, text: body } = htmlText(head.text)
      const { text, truncated } = capped(body)
      return { title, text, truncated: truncated || head.more, bytesRead: head.bytes, ...plain }
    }
    case 'pdf': {
      const data = await readWhole(path, size)
      return { ...(await pdfText(data, options)), bytesRead: data.length }
    }
    case 'docx': {
      const data = await readWhole(path, size)
      const { default: mammoth } = await import('mammoth')
      const { value } = await mammoth.extractRawText({ buffer: data })
      return { title: await docxTitle(data), ...capped(value.trim()), bytesRead: data.length, ...plain }
    }
    case 'image': {
      const data = await readWhole(path, size)
      const { text, truncated } = capped((await options.ocr.read(data)).trim())
      return { title: null, text, truncated, ocrPages: 1, needsOcr: false, bytesRead: data.length }
    }
  }
}
