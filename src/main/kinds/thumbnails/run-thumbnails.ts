import { mkdir } from 'node:fs/promises'
import { dirname, relative } from 'node:path'
import { JobFailure, type JobContext } from '../kind'
import { listImages } from './list-images'
import { makeThumbnail, type SharpModule, type ThumbnailSpec } from './make-thumbnail'
import { removeStaleTemps } from './temp-files'
import { thumbnailPath, type ThumbnailFormat } from './thumbnail-paths'

/** A result is one row: a folder of a million broken files must not make it huge. */
export const MAX_FAILURES = 200
const MAX_ERROR_CHARS = 300
/**
 * Images made at once. Each runs on a libuv thread with one libvips thread
 * (see below): decoding a JPEG is mostly serial, so two images keep two cores
 * busier than one image with two threads.
 */
const PARALLEL_IMAGES = 2
const BASE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']

export interface ThumbnailsResult {
  out: string
  size: number
  format: ThumbnailFormat
  images: number
  made: number
  /** Up to date already. */
  skipped: number
  /** Images (and folders) that could not be read or decoded. */
  failed: number
  failures: { path: string; error: string }[]
  bytesWritten: number
}

/** sharp's HEIF decoder reads HEIC only in builds with an HEVC decoder; the prebuilt one reads AVIF alone. */
function imageExtensions(sharp: SharpModule): Set<string> {
  const heif = sharp.format.heif?.input.fileSuffix ?? []
  return new Set([...BASE_EXTENSIONS, ...['.heic', '.heif'].filter((ext) => heif.includes(ext))])
}

export async function runThumbnails(
  sharp: SharpModule,
  { folder, out, ...spec }: ThumbnailSpec & { folder: string; out: string },
  ctx: JobContext,
): Promise<ThumbnailsResult> {
  // The cache keeps recent inputs' pixels and open files for reuse; a thumbnail reads each input once,
  // and this worker may run other jobs next, so it would only hold memory and file handles.
  sharp.cache(false)
  const threadsBefore = sharp.concurrency()
  sharp.concurrency(1)
  try {
    return await thumbnailAll(sharp, folder, out, spec, ctx)
  } finally {
    sharp.concurrency(threadsBefore)
  }
}

async function thumbnailAll(sharp: SharpModule, folder: string, out: string, spec: ThumbnailSpec, ctx: JobContext): Promise<ThumbnailsResult> {
  const failures: ThumbnailsResult['failures'] = []
  let failed = 0
  const fail = (path: string, error: Error): void => {
    failed++
    ctx.log(`No thumbnail of ${path}: ${error.message}`)
    if (failures.length < MAX_FAILURES) failures.push({ path, error: error.message.slice(0, MAX_ERROR_CHARS) })
  }
  try {
    await mkdir(out, { recursive: true })
  } catch (error) {
    throw new JobFailure('job_error', `Cannot make the thumbnails folder ${out}: ${(error as Error).message}`)
  }

  ctx.progress(0, 'Listing images')
  const images = await listImages(folder, {
    extensions: imageExtensions(sharp),
    skip: out,
    signal: ctx.signal,
    // Named like the images, by their path in the folder.
    onError: (path, error) => fail(relative(folder, path) || '.', error),
  })
  const total = images.length
  const counts = { made: 0, skipped: 0, bytesWritten: 0 }
  let done = 0
  let next = 0
  // Once per folder, shared: the other runner may be about to write into it too.
  const preparing = new Map<string, Promise<void>>()
  const prepareFolder = (dir: string): Promise<void> => {
    let ready = preparing.get(dir)
    if (!ready) {
      ready = mkdir(dir, { recursive: true }).then(() => removeStaleTemps(dir, Date.now()))
      preparing.set(dir, ready)
    }
    return ready
  }
  const runner = async (): Promise<void> => {
    while (next < total && !ctx.signal.aborted) {
      const image = images[next++]!
      const target = thumbnailPath(out, image.rel, spec.size, spec.format)
      try {
        await prepareFolder(dirname(target))
        const outcome = await makeThumbnail(sharp, image.path, target, spec)
        if (outcome.made) {
          counts.made++
          counts.bytesWritten += outcome.bytes
        } else counts.skipped++
      } catch (error) {
        fail(image.rel, error as Error)
      }
      done++
      ctx.progress(done / total, `${done.toLocaleString('en')} of ${total.toLocaleString('en')} images`)
    }
  }
  // On cancel each runner finishes the image it is on (libvips cannot be interrupted), then stops.
  await Promise.all(Array.from({ length: PARALLEL_IMAGES }, runner))
  ctx.signal.throwIfAborted()
  if (total === 0) ctx.progress(1, 'No images')
  return { out, size: spec.size, format: spec.format, images: total, ...counts, failed, failures }
}
