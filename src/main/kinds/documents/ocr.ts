import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Worker as TesseractWorker } from 'tesseract.js'
import { JobFailure } from '../kind'

/** Raw pixels, as unpdf gives a PDF's pictures. */
export interface RawImage {
  data: Uint8ClampedArray | Uint8Array
  width: number
  height: number
  channels: 1 | 3 | 4
}

/** Words in pictures, for one job: its tesseract worker is made on first use and ended with `close` (or the job's abort). */
export interface Ocr {
  /** An image file's bytes (any format sharp reads) or a PDF's raw pixels, as text. */
  read(image: Buffer | RawImage): Promise<string>
  close(): Promise<void>
}

/**
 * Bigger scans take long to read and gain nothing: an A4 page at 300 dpi is
 * about 2,500 × 3,500 pixels.
 */
const MAX_SIDE = 4000

/** The English model shipped with the app (the only one installed; no download). */
function modelFolder(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@tesseract.js-data/eng/package.json'))), '4.0.0_best_int')
}

/** sharp (libvips) has no BMP reader; tesseract's own (leptonica) reads it. */
const isBmp = (image: Buffer | RawImage): image is Buffer => Buffer.isBuffer(image) && image.length > 2 && image[0] === 0x42 && image[1] === 0x4d

/** A picture as tesseract reads it best: grey, on white, not huge. */
async function prepared(image: Buffer | RawImage): Promise<Buffer> {
  const { default: sharp } = await import('sharp')
  const source = Buffer.isBuffer(image)
    ? sharp(image)
    : sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
        raw: { width: image.width, height: image.height, channels: image.channels },
      })
  // Dark text on a transparent background must stay dark on white, not turn into black on black.
  return source
    .flatten({ background: '#ffffff' })
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .png()
    .toBuffer()
}

export function lazyOcr(signal: AbortSignal): Ocr {
  let worker: Promise<TesseractWorker> | null = null
  const start = async (): Promise<TesseractWorker> => {
    try {
      const { createWorker } = await import('tesseract.js')
      const made = await createWorker('eng', 1, { langPath: modelFolder(), cacheMethod: 'none', gzip: true })
      // Pictures out of PDFs carry no resolution; without one tesseract guesses (and says so on stderr for every page).
      await made.setParameters({ user_defined_dpi: '300' })
      return made
    } catch (error) {
      // Not the document's fault: kept as its error, it would not be read again once OCR works.
      throw new JobFailure('missing_tool', `OCR could not start: ${(error as Error).message ?? String(error)}`)
    }
  }
  const stop = async (): Promise<void> => {
    const made = worker
    worker = null
    if (made) await made.then((w) => w.terminate()).catch(() => {})
  }
  // recognize() can't be interrupted: ending its worker thread is how an abort stops a long page now. The ended
  // worker never answers, so a read waits for the abort as well as for its answer.
  let onAbort = (): void => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void stop()
      reject(signal.reason as Error)
    }
  })
  aborted.catch(() => {})
  signal.addEventListener('abort', onAbort, { once: true })

  return {
    async read(image) {
      signal.throwIfAborted()
      const png = isBmp(image) ? image : await prepared(image)
      signal.throwIfAborted()
      worker ??= start()
      const reading = worker.then((w) => w.recognize(png))
      reading.catch(() => {})
      const { data } = await Promise.race([reading, aborted])
      return data.text
    },
    async close() {
      signal.removeEventListener('abort', onAbort)
      await stop()
    },
  }
}
