/**
 * The thumbnails kind on photo-sized input: 24 noisy 12 MP JPEGs (noise keeps
 * the entropy decoding as costly as a real photo's), one job at 256 px WebP,
 * through a real host and worker. The worker is warmed by a one-image job
 * first, so the figure is thumbnailing, not starting a process or loading sharp.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { openHost, type Host } from '../../src/main/engine/host'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { resolveWorkerEntry } from '../../src/main/headless/worker-entry'
import type { Job } from '../../src/shared/job'

const ROOT = join(import.meta.dirname, '..', '..')
const WORKER = resolveWorkerEntry(join(ROOT, 'src', 'main', 'headless'))
const IMAGES = 24

async function runToEnd(host: Host, params: Record<string, unknown>): Promise<Job> {
  const { id } = host.api.createJob({ kind: 'thumbnails', params, maxAttempts: 1 })
  for (;;) {
    const job = host.api.getJob({ id })
    if (job.status === 'succeeded') return job
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`The thumbnails job ${job.status}: ${JSON.stringify(job.error)}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export async function thumbnailsBench(): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'offload-bench-thumbnails-'))
  try {
    const photos = join(root, 'photos')
    const warmUp = join(root, 'warm-up')
    mkdirSync(photos)
    mkdirSync(warmUp)
    const photo = await sharp({
      create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .jpeg({ quality: 90 })
      .toBuffer()
    for (let i = 0; i < IMAGES; i++) writeFileSync(join(photos, `IMG_${String(i).padStart(4, '0')}.jpg`), photo)
    writeFileSync(join(warmUp, 'one.jpg'), photo)

    const host = await openHost({ dataDir: join(root, 'data'), launcher: createForkLauncher(WORKER), engine: { concurrency: 1 } })
    try {
      await runToEnd(host, { folder: warmUp })
      const start = performance.now()
      const job = await runToEnd(host, { folder: photos, size: 256, format: 'webp' })
      const seconds = (performance.now() - start) / 1000
      const made = (job.result as { made: number }).made
      if (made !== IMAGES) throw new Error(`Made ${made} thumbnails of ${IMAGES}`)
      return { thumbnailsPerSec: Number((made / seconds).toFixed(1)) }
    } finally {
      await host.close(0)
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
