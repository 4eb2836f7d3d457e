/**
 * index-documents throughput: 2,000 mixed small documents (text, markdown,
 * HTML, with 100 PDFs and 100 docx files among them) indexed by one job on a
 * fresh data folder, then the same folder again with nothing changed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { openHost, type Host } from '../../src/main/engine/host'
import { resolveWorkerEntry } from '../../src/main/headless/worker-entry'
import { writeCorpus } from '../fixtures/documents'

const ROOT = join(import.meta.dirname, '..', '..')
const WORKER = resolveWorkerEntry(join(ROOT, 'src', 'main', 'headless'))
const DOCUMENTS = 2000

async function timedRun(host: Host, folder: string): Promise<number> {
  const start = performance.now()
  const { id } = host.api.createJob({ kind: 'index-documents', params: { folder } })
  for (;;) {
    const job = host.api.getJob({ id })
    if (job.status === 'succeeded') return performance.now() - start
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`index job ${job.status}: ${JSON.stringify(job.error)}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export async function indexBench(): Promise<{ documentsPerSec: number; unchangedRescanMs: number }> {
  const scratch = mkdtempSync(join(tmpdir(), 'offload-bench-index-'))
  try {
    const folder = join(scratch, 'documents')
    await writeCorpus(folder, { count: DOCUMENTS, big: 0, bigBytes: 0, binary: 100 })
    const host = await openHost({ dataDir: join(scratch, 'data'), launcher: createForkLauncher(WORKER), engine: { concurrency: 1 } })
    try {
      const firstMs = await timedRun(host, folder)
      const rescanMs = await timedRun(host, folder)
      return { documentsPerSec: Math.round(DOCUMENTS / (firstMs / 1000)), unchangedRescanMs: Math.round(rescanMs) }
    } finally {
      await host.close(0)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
