import Database from 'better-sqlite3'
import { appendFileSync, existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_TEXT_CHARS } from '../../src/main/kinds/documents/extract'
import { indexPathIn, searchIndex } from '../../src/main/kinds/documents/index-db'
import type { IndexResult } from '../../src/main/kinds/documents/indexer'
import { ApiError } from '../../src/shared/errors'
import type { Job } from '../../src/shared/job'
import { paragraph, textImage, toBmp, writeCorpus, writeDocx, writePdf, writeScannedPdf } from '../fixtures/documents'
import { isAlive, startHost, tempDir, waitFor, waitForStatus } from '../helpers'

type TestHost = Awaited<ReturnType<typeof startHost>>

const indexFile = (host: TestHost): string => indexPathIn(join(host.dataDir, 'state'))

async function indexed(host: TestHost, params: Record<string, unknown>, timeoutMs = 120_000): Promise<{ job: Job; result: IndexResult }> {
  const created = host.api.createJob({ kind: 'index-documents', params })
  const job = await waitForStatus(host, created.id, ['succeeded', 'failed'], timeoutMs)
  if (job.status !== 'succeeded') throw new Error(`index job failed: ${JSON.stringify(job.error)}`)
  return { job, result: job.result as IndexResult }
}

const search = (host: TestHost, q: string, folder?: string): string[] =>
  searchIndex(indexFile(host), { q, folder, limit: 50 })
    .hits.map((h) => basename(h.path))
    .sort()

interface Row {
  path: string
  title: string
  size: number
  mtime_ms: number
  error: string | null
  body: string | null
}

/** Everything a search can see of the index, in path order (ids and indexing times aside). */
function snapshot(file: string): Row[] {
  const db = new Database(file, { readonly: true })
  try {
    return db
      .prepare(`SELECT d.path, d.title, d.size, d.mtime_ms, d.error, t.body FROM documents d LEFT JOIN documents_text t ON t.rowid = d.id ORDER BY d.path`)
      .all() as Row[]
  } finally {
    db.close()
  }
}

function logLines(host: TestHost, id: string): string[] {
  return host.api.getJobLogs({ id }).lines.map((l) => l.line)
}

describe('the index-documents kind', () => {
  it('indexes 2,000 documents; after 10 are touched a re-run reads only those 10', async () => {
    const folder = tempDir('offload-docs-')
    // 330 big text files of 600 KB and 1,670 small mixed documents: about 200 MB.
    const paths = await writeCorpus(folder, { count: 2000, big: 330, bigBytes: 600_000, binary: 10 })
    const host = await startHost({ kinds: [] })

    const first = await indexed(host, { folder }, 300_000)
    expect(first.result).toMatchObject({ seen: 2000, read: 2000, unchanged: 0, removed: 0, failed: 0, truncated: 0 })
    expect(first.result.bytesRead).toBeGreaterThan(198_000_000)
    expect(first.job.name).toBe(`index: ${folder}`)
    expect(first.job.progress).toEqual({ fraction: 1, message: '2,000 of 2,000 files' })
    expect(snapshot(indexFile(host))).toHaveLength(2000)
    expect(search(host, 'doc1234')).toEqual([basename(paths[1234]!)])
    expect(search(host, 'doc1999')).toEqual([basename(paths[1999]!)])

    // Five text files with new content; five files (a PDF and a docx among them) only with a new mtime.
    const touched = [3, 150, 299, 777, 1201, 330, 345, 400, 1650, 1999].map((n) => paths[n]!)
    touched.slice(0, 5).forEach((p) => appendFileSync(p, '\nfreshly appended words\n'))
    const later = new Date(Date.now() + 60_000)
    touched.slice(5).forEach((p) => utimesSync(p, later, later))
    const before = snapshot(indexFile(host))

    const second = await indexed(host, { folder })
    expect(second.result).toMatchObject({ seen: 2000, read: 10, unchanged: 1990, removed: 0, failed: 0 })
    const reads = logLines(host, second.job.id).filter((l) => l.startsWith('Reading '))
    expect(reads.sort()).toEqual(touched.map((p) => `Reading ${relative(folder, p)}`).sort())
    expect(search(host, 'freshly appended')).toEqual(
      touched
        .slice(0, 5)
        .map((p) => basename(p))
        .sort(),
    )
    const after = snapshot(indexFile(host))
    const changed = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i])).map((r) => r.path)
    expect(changed.sort()).toEqual([...touched].sort())
  }, 600_000)

  it('reads PDFs, docx, HTML and markdown; with OCR also images and scanned PDF pages', async () => {
    const folder = tempDir('offload-docs-')
    await writePdf(join(folder, 'reports', 'annual.pdf'), ['The xylophonic results of the year', 'Second page about budgets'])
    await writeDocx(join(folder, 'letters', 'offer.docx'), ['Dear reader,', 'this quixotry is only in a docx file.'], 'Offer &  terms')
    await writeFile(join(folder, 'poster.png'), await textImage('Zebrafinch quokka'))
    await writeFile(join(folder, 'sign.bmp'), await toBmp(await textImage('Pelican wharf')))
    await writeScannedPdf(join(folder, 'scan.pdf'), 'Marmalade harbor', ['A typed cover page'])
    writeFileSync(
      join(folder, 'page.html'),
      '<html><head><title>Holiday &amp; Travel</title><style>p{}</style></head><body><p>Tamarind beaches</p></body></html>',
    )
    writeFileSync(join(folder, 'notes.md'), '```\n# not a heading\n```\n\n## Sub\n\n# Meeting notes\n\nOsprey sighting')
    writeFileSync(join(folder, 'plain.txt'), 'Nothing but words')
    writeFileSync(join(folder, 'broken.pdf'), 'this is not a PDF at all')
    writeFileSync(join(folder, 'huge.txt'), 'lighthouse '.repeat(300_000))
    writeFileSync(join(folder, 'ignored.csv'), 'xylophonic')
    const host = await startHost({ kinds: [] })

    const plain = await indexed(host, { folder })
    expect(plain.result).toMatchObject({ seen: 8, read: 8, failed: 1, ocrPages: 0, needsOcr: 1, truncated: 1 })
    expect(plain.result.failures).toEqual([{ path: join(folder, 'broken.pdf'), error: expect.any(String), earlier: false }])
    expect(plain.result.truncatedPaths).toEqual([join(folder, 'huge.txt')])
    expect(search(host, 'xylophonic')).toEqual(['annual.pdf'])
    expect(search(host, 'quixotry')).toEqual(['offer.docx'])
    expect(search(host, 'Tamarind')).toEqual(['page.html'])
    expect(search(host, 'osprey')).toEqual(['notes.md'])
    expect(search(host, 'zebrafinch')).toEqual([])
    expect(search(host, 'marmalade')).toEqual([])
    const rows = new Map(snapshot(indexFile(host)).map((r) => [basename(r.path), r]))
    expect(rows.get('page.html')!.title).toBe('Holiday & Travel')
    expect(rows.get('page.html')!.body).toBe('Tamarind beaches')
    expect(rows.get('notes.md')!.title).toBe('Meeting notes')
    expect(rows.get('plain.txt')!.title).toBe('plain.txt')
    expect(rows.get('offer.docx')!.title).toBe('Offer & terms')
    expect(rows.get('annual.pdf')!.title).toBe('annual.pdf')
    expect(rows.get('huge.txt')!.body).toHaveLength(MAX_TEXT_CHARS)
    expect(rows.get('broken.pdf')).toMatchObject({ body: null, error: expect.any(String) })
    expect(plain.job.summary).toMatch(/1 file with pages that have no text/)

    // With OCR, the image joins and the scan is read again though unchanged; the broken PDF is not retried.
    const ocr = await indexed(host, { folder, ocr: true })
    expect(ocr.result).toMatchObject({ seen: 10, read: 3, unchanged: 7, failed: 0, failedBefore: 1, ocrPages: 3, needsOcr: 0 })
    expect(search(host, 'zebrafinch')).toEqual(['poster.png'])
    expect(search(host, 'pelican')).toEqual(['sign.bmp'])
    expect(search(host, 'marmalade')).toEqual(['scan.pdf'])
    expect(search(host, 'typed cover')).toEqual(['scan.pdf'])
    expect(ocr.result.failures).toEqual([{ ...plain.result.failures[0], earlier: true }])
    expect(ocr.job.summary).toMatch(/3 pages and images read by OCR/)
    // The files it read, and no OCR or PDF chatter (the engine may add a note of its own).
    const lines = logLines(host, ocr.job.id)
    expect(lines.filter((l) => l.startsWith('Reading '))).toEqual(['Reading poster.png', 'Reading scan.pdf', 'Reading sign.bmp'])
    expect(lines.filter((l) => !l.startsWith('Reading ') && /warn|error|tesseract|pdf|dpi|resolution/i.test(l))).toEqual([])
  }, 180_000)

  it('a cancelled run leaves a consistent index; the next run goes on and ends where an uninterrupted one does', async () => {
    const folder = tempDir('offload-docs-')
    await writeCorpus(folder, { count: 400, big: 120, bigBytes: 1_000_000, binary: 5 })
    const host = await startHost({ kinds: [] })
    const job = host.api.createJob({ kind: 'index-documents', params: { folder } })
    await waitFor(
      () => {
        const now = host.api.getJob({ id: job.id })
        const done = Number(/^([\d,]+) of/.exec(now.progress?.message ?? '')?.[1]?.replace(/,/g, '') ?? 0)
        if (now.status !== 'running' && now.status !== 'queued') throw new Error(`the job ended (${now.status}) before it could be cancelled`)
        return done >= 20
      },
      'some files to be indexed',
      120_000,
    )
    host.api.cancelJob({ id: job.id })
    await waitForStatus(host, job.id, 'cancelled', 60_000)
    // The job is cancelled at once; its worker hears of it a moment later.
    await waitFor(() => !host.engine.isRunning(job.id), 'the cancelled attempt to end', 60_000)
    const partial = snapshot(indexFile(host))
    expect(partial.length).toBeGreaterThanOrEqual(20)
    expect(partial.length).toBeLessThan(400)
    // Each document went in whole: its row and its text together.
    expect(partial.filter((r) => !r.body?.includes(`doc${/-(\d+)\.\w+$/.exec(r.path)![1]}`))).toEqual([])

    const resumed = await indexed(host, { folder })
    expect(resumed.result).toMatchObject({ seen: 400, unchanged: partial.length, read: 400 - partial.length })

    const other = await startHost({ kinds: [] })
    await indexed(other, { folder })
    expect(snapshot(indexFile(host))).toEqual(snapshot(indexFile(other)))
  }, 600_000)

  it('a job cancelled during OCR stops by itself; its worker process lives on', async () => {
    const folder = tempDir('offload-docs-')
    const page = Array.from({ length: 40 }, (_, i) => `line ${i} of a long scanned page with a good many words on it`).join('\n')
    for (const name of ['one.png', 'two.png']) await writeFile(join(folder, name), await textImage(page))
    // A job that does not stop within killGraceMs has its worker killed. tesseract never answers for a page it was
    // stopped in, so a job that waited for that answer would lose its worker.
    const host = await startHost({ kinds: [], engine: { killGraceMs: 10_000 } })
    const job = host.api.createJob({ kind: 'index-documents', params: { folder, ocr: true } })
    await waitFor(() => logLines(host, job.id).includes('Reading one.png'), 'the first image to be read', 60_000)
    // Into the page's OCR, which takes seconds.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    host.api.cancelJob({ id: job.id })
    await waitFor(() => !host.engine.isRunning(job.id), 'the cancelled attempt to end', 60_000)
    const [attempt] = host.api.getJobAttempts({ id: job.id }).attempts
    expect(attempt).toMatchObject({ outcome: 'cancelled', signal: null })
    expect(isAlive(attempt!.workerPid!)).toBe(true)
    expect(snapshot(indexFile(host))).toEqual([])
  }, 120_000)

  it('drops deleted files and files that no longer match; honours include and exclude', async () => {
    const folder = tempDir('offload-docs-')
    for (const rel of ['a.md', 'b.txt', 'drafts/c.md', 'notes/d.txt', 'notes/deep/e.html', 'notes/draft-f.md']) {
      mkdirSync(join(folder, rel, '..'), { recursive: true })
      writeFileSync(join(folder, rel), `${paragraph(rel.length)} ${basename(rel).replace(/\W/g, '')}`)
    }
    const host = await startHost({ kinds: [] })
    const names = (): string[] =>
      snapshot(indexFile(host))
        .map((r) => relative(folder, r.path))
        .sort()

    const filtered = await indexed(host, { folder, include: ['*.md', 'notes/**'], exclude: ['draft*'] })
    expect(filtered.result).toMatchObject({ seen: 4, read: 4 })
    expect(names()).toEqual(['a.md', 'drafts/c.md', 'notes/d.txt', 'notes/deep/e.html'])

    rmSync(join(folder, 'notes', 'd.txt'))
    const afterDelete = await indexed(host, { folder, include: ['*.md', 'notes/**'], exclude: ['draft*'] })
    expect(afterDelete.result).toMatchObject({ seen: 3, read: 0, unchanged: 3, removed: 1 })
    expect(names()).toEqual(['a.md', 'drafts/c.md', 'notes/deep/e.html'])
    expect(search(host, 'dtxt')).toEqual([])

    const narrower = await indexed(host, { folder, exclude: ['drafts/**', '*.html'] })
    expect(narrower.result).toMatchObject({ seen: 3, read: 2, unchanged: 1, removed: 2 })
    expect(names()).toEqual(['a.md', 'b.txt', 'notes/draft-f.md'])

    // Another folder's documents are not this folder's to drop.
    const elsewhere = tempDir('offload-docs-')
    writeFileSync(join(elsewhere, 'x.txt'), 'elsewhere words')
    await indexed(host, { folder: elsewhere })
    expect(names()).toHaveLength(4)
    expect(search(host, 'elsewhere', elsewhere)).toEqual(['x.txt'])
    expect(search(host, 'elsewhere', folder)).toEqual([])
  }, 120_000)

  it('refuses a missing folder or a file as the folder: invalid_params, nothing stored or written', async () => {
    const host = await startHost({ kinds: [] })
    const file = join(tempDir(), 'a.txt')
    writeFileSync(file, 'words')
    const refusal = (params: Record<string, unknown>): unknown => {
      try {
        host.api.createJob({ kind: 'index-documents', params })
      } catch (error) {
        return error instanceof ApiError ? { code: error.code, message: error.message } : error
      }
      return 'accepted'
    }
    expect(refusal({ folder: join(tempDir(), 'missing') })).toEqual({ code: 'invalid_params', message: expect.stringMatching(/No such folder/) })
    expect(refusal({ folder: file })).toEqual({ code: 'invalid_params', message: expect.stringMatching(/Is a file, not a folder/) })
    expect(refusal({ folder: 'relative/path' })).toEqual({ code: 'invalid_params', message: expect.stringMatching(/absolute path/) })
    expect(refusal({ folder: tempDir(), include: [''] })).toMatchObject({ code: 'invalid_params' })
    expect(host.api.listJobs({}).jobs).toEqual([])
    expect(existsSync(indexFile(host))).toBe(false)
    expect(existsSync(join(host.dataDir, 'state', 'index-documents'))).toBe(false)
  })
})
