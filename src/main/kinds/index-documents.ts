import { resolve } from 'node:path'
import { z } from 'zod'
import type { IndexResult } from './documents/indexer'
import { defineKind } from './kind'
import { formatBytes } from './format-bytes'
import { existingFolder } from './path-params'

/** The files and problems named in the summary; the result lists more. */
const SUMMARY_PATHS = 10

const count = (n: number): string => n.toLocaleString('en')
const files = (n: number): string => `${count(n)} ${n === 1 ? 'file' : 'files'}`

const glob = z.string().min(1).max(1024)

export const indexDocumentsKind = defineKind({
  name: 'index-documents',
  // Reading is the small part: parsing PDFs and docx files, stripping HTML, OCR and FTS tokenizing keep a core busy.
  bound: 'cpu',
  description:
    'Indexes the text of the documents under a folder (.txt, .md, .html, .pdf, .docx; with OCR also images and scanned PDF pages) for search. ' +
    'Run again, it reads only new and changed files and drops deleted ones.',
  params: z.strictObject({
    folder: existingFolder.describe('The folder to index, with its subfolders'),
    ocr: z.boolean().default(false).describe('Also read the words in images and scanned PDF pages (slow: seconds per page)'),
    include: z
      .array(glob)
      .max(100)
      .default([])
      .describe('Only files matching one of these globs: "*.pdf" matches names, "notes/**" paths under the folder; every file when empty'),
    exclude: z.array(glob).max(100).default([]).describe('Leave out files matching any of these globs (same rules as include)'),
  }),
  async run(params, ctx) {
    const { indexDocuments } = await import('./documents/indexer')
    return indexDocuments({ ...params, folder: resolve(params.folder) }, ctx)
  },
  jobName: ({ folder }) => `index: ${folder}`,
  summary: (r: IndexResult) => {
    const failedAll = r.failed + r.failedBefore
    return [
      `${files(r.seen)}: ${count(r.read)} read${r.read > 0 ? ` (${formatBytes(r.bytesRead)})` : ''}, ${count(r.unchanged)} unchanged, ${count(r.removed)} removed from the index`,
      ...(r.ocrPages > 0 ? [`${count(r.ocrPages)} ${r.ocrPages === 1 ? 'page or image' : 'pages and images'} read by OCR`] : []),
      ...(failedAll > 0
        ? [
            `${files(failedAll)} could not be read${r.failedBefore > 0 ? ` (${count(r.failedBefore)} in earlier runs)` : ''}, to be tried again once changed:`,
            ...r.failures.slice(0, SUMMARY_PATHS).map((f) => `  ${f.path}: ${f.error}${f.earlier ? ' (earlier run)' : ''}`),
          ]
        : []),
      ...(r.truncated > 0
        ? [
            `${files(r.truncated)} with more text than is kept per document (only the start is searchable):`,
            ...r.truncatedPaths.slice(0, SUMMARY_PATHS).map((p) => `  ${p}`),
          ]
        : []),
      ...(r.needsOcr > 0 ? [`${files(r.needsOcr)} with pages that have no text (scans?): index with OCR to read them`] : []),
      ...(r.unreachable > 0 ? [`${count(r.unreachable)} files or folders could not be looked at (see the log); what the index had of them is kept`] : []),
    ].join('\n')
  },
})
