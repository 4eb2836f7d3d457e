import { mkdir } from 'node:fs/promises'
import { z } from 'zod'
import { BatchProgress } from './download/batch-progress'
import { formatBytes } from './format-bytes'
import { downloadFile, removeUnfinished, type BatchContext, type DownloadItem, type FileOutcome } from './download/fetch-file'
import { isPlainName, nameFromUrl } from './download/file-name'
import { defineKind, JobFailure } from './kind'
import { outputFolder } from './path-params'

const MAX_URLS = 10_000
const MAX_CONCURRENCY = 16
/** A result is stored as one row: the list of files is cut here, the totals count them all. */
const MAX_FILES_LISTED = 1000
const MAX_FAILURES_LISTED = 100
const SUMMARY_FILES = 20

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'Must be an http:// or https:// URL' })
  .max(8192)
  .describe('An http:// or https:// URL')
const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'Must be a SHA-256 in hex (64 characters)')
  .describe('The SHA-256 the file must have (hex); a file that differs is deleted and the job fails')
const fileName = z
  .string()
  .min(1)
  .refine(isPlainName, 'Must be a plain file name: no / or \\, not . or .., at most 200 bytes')
  .describe('The name to save it under (else from the server, else from the URL)')

const listItem = z.union([httpUrl, z.strictObject({ url: httpUrl, sha256: sha256.optional(), name: fileName.optional() })])

const DownloadParams = z
  .strictObject({
    url: httpUrl.optional().describe('The file to download (or give urls)'),
    urls: z
      .array(listItem)
      .min(1, 'Give at least one URL')
      .max(MAX_URLS, `At most ${MAX_URLS.toLocaleString('en')} URLs in one job`)
      .optional()
      .describe('Files to download: URLs, or { url, sha256?, name? } (or give url)'),
    folder: outputFolder.describe('The folder to save into (made if missing)'),
    sha256: sha256.optional(),
    name: fileName.optional(),
    concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(3).describe('Files downloaded at once'),
  })
  .superRefine((params, ctx) => {
    if ((params.url === undefined) === (params.urls === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'Give either url or urls, not both or neither', path: params.url === undefined ? [] : ['urls'] })
    }
    for (const key of ['sha256', 'name'] as const) {
      if (params.urls !== undefined && params[key] !== undefined) {
        ctx.addIssue({ code: 'custom', message: `${key} goes with url; with urls, give it per item as { url, ${key} }`, path: [key] })
      }
    }
    const seen = new Map<string, number>()
    const names = new Map<string, number>()
    params.urls?.forEach((item, i) => {
      const { url, name } = typeof item === 'string' ? { url: item, name: undefined } : item
      const key = `${url}\n${name ?? ''}`
      const first = seen.get(key)
      if (first !== undefined) ctx.addIssue({ code: 'custom', message: `The same download as urls.${first}`, path: ['urls', i] })
      else seen.set(key, i)
      if (name === undefined) return
      const named = names.get(name)
      if (named !== undefined) ctx.addIssue({ code: 'custom', message: `The same name as urls.${named}`, path: ['urls', i, 'name'] })
      else names.set(name, i)
    })
  })

type Params = z.output<typeof DownloadParams>

function itemsOf(params: Params): DownloadItem[] {
  if (params.url !== undefined) return [{ index: 0, url: params.url, name: params.name, sha256: params.sha256 }]
  return params.urls!.map((item, index) => (typeof item === 'string' ? { index, url: item } : { index, ...item }))
}

interface DownloadResult {
  folder: string
  files: Omit<FileOutcome, 'retries'>[]
  filesTotal: number
  /** Bytes of all the batch's files, those already there included. */
  bytes: number
  /** Bytes that came over the network in the attempt that finished. */
  receivedBytes: number
  downloaded: number
  resumed: number
  skipped: number
  /** Tries again after a broken connection or a server error, across the batch. */
  retries: number
}

export const downloadKind = defineKind({
  name: 'download',
  // Waiting on the network, hashing as the bytes arrive.
  bound: 'io',
  description:
    'Downloads files over http(s) into a folder, resuming where a broken connection or an earlier try stopped, ' +
    'checking SHA-256 when given and skipping files already there.',
  params: DownloadParams,
  async run(params, ctx): Promise<DownloadResult> {
    const items = itemsOf(params)
    await mkdir(params.folder, { recursive: true })
    const batch: BatchContext = {
      folder: params.folder,
      signal: ctx.signal,
      progress: new BatchProgress(items.length, (fraction, message) => ctx.progress(fraction, message)),
      log: (line) => ctx.log(line),
      claimed: new Set(),
      received: { bytes: 0 },
    }
    const outcomes: FileOutcome[] = []
    const failures: { index: number; error: JobFailure }[] = []
    let next = 0
    // Each lane catches what its files throw, so all have stopped before anything is cleaned up.
    const lane = async (): Promise<void> => {
      while (next < items.length && !ctx.signal.aborted) {
        const item = items[next++]!
        try {
          outcomes[item.index] = await downloadFile(item, batch)
        } catch (error) {
          if (ctx.signal.aborted) return
          const failure = error instanceof JobFailure ? error : new JobFailure('job_error', `${item.url}: ${(error as Error).message}`)
          failures.push({ index: item.index, error: failure })
          ctx.log(failure.message)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(params.concurrency, items.length) }, lane))
    if (ctx.signal.aborted) {
      await removeUnfinished(params.folder, items)
      ctx.signal.throwIfAborted()
    }
    if (failures.length > 0) throw batchFailure(failures, items.length)
    const done = outcomes.filter(Boolean)
    return {
      folder: params.folder,
      files: done.slice(0, MAX_FILES_LISTED).map(({ retries: _, ...file }) => file),
      filesTotal: done.length,
      bytes: done.reduce((sum, f) => sum + f.bytes, 0),
      receivedBytes: batch.received.bytes,
      downloaded: done.filter((f) => f.how !== 'skipped').length,
      resumed: done.filter((f) => f.how === 'resumed').length,
      skipped: done.filter((f) => f.how === 'skipped').length,
      retries: done.reduce((sum, f) => sum + f.retries, 0),
    }
  },
  jobName: (params) =>
    params.url !== undefined ? `download: ${params.name ?? nameFromUrl(params.url)}` : `download: ${params.urls!.length.toLocaleString('en')} files`,
  summary: (r) => {
    const files = r.filesTotal === 1 ? '1 file' : `${r.filesTotal.toLocaleString('en')} files`
    const how = [
      `${r.downloaded.toLocaleString('en')} downloaded${r.resumed > 0 ? ` (${r.resumed.toLocaleString('en')} resumed)` : ''}`,
      ...(r.skipped > 0 ? [`${r.skipped.toLocaleString('en')} already there`] : []),
    ]
    const shown = Math.min(SUMMARY_FILES, r.files.length)
    return [
      `${files}, ${formatBytes(r.bytes)} in ${r.folder} · ${how.join(' · ')}`,
      ...(shown < r.filesTotal ? [`The first ${shown} of ${r.filesTotal.toLocaleString('en')}:`] : []),
      ...r.files.slice(0, SUMMARY_FILES).map((f) => `${f.name} · ${formatBytes(f.bytes)}${f.sha256 ? ` · sha256 ${f.sha256}` : ''}`),
    ].join('\n')
  },
})

/** The job fails with the first file's code; the message names the files, the detail lists them. */
function batchFailure(failures: { index: number; error: JobFailure }[], count: number): JobFailure {
  failures.sort((a, b) => a.index - b.index)
  const first = failures[0]!.error
  if (count === 1) return first
  const named = failures.slice(0, 3).map((f) => f.error.message)
  const more = failures.length > 3 ? `; and ${(failures.length - 3).toLocaleString('en')} more (see the log)` : ''
  return new JobFailure(
    first.jobErrorCode,
    `${failures.length.toLocaleString('en')} of ${count.toLocaleString('en')} files failed: ${named.join('; ')}${more}`,
    {
      failures: failures
        .slice(0, MAX_FAILURES_LISTED)
        .map((f) => ({ index: f.index, code: f.error.jobErrorCode, message: f.error.message, detail: f.error.detail })),
    },
  )
}
