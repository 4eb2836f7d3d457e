import { rename, rm, stat } from 'node:fs/promises'
import type Sharp from 'sharp'
import { tempPathFor } from './temp-files'
import type { ThumbnailFormat } from './thumbnail-paths'

export type SharpModule = typeof Sharp

export interface ThumbnailSpec {
  size: number
  format: ThumbnailFormat
}

export type ThumbnailOutcome = { made: true; bytes: number } | { made: false }

/**
 * Makes the thumbnail of `source` at `target` unless one at least as new as
 * the source is there already (the name carries size and format, so the file
 * being there and newer is the whole check; no image is opened to skip it).
 * The thumbnail is written under a temp name and renamed, so a reader never
 * sees half of one, and one interrupted leaves nothing behind.
 */
export async function makeThumbnail(sharp: SharpModule, source: string, target: string, { size, format }: ThumbnailSpec): Promise<ThumbnailOutcome> {
  const before = await stat(source)
  const existing = await stat(target).catch(() => null)
  if (existing && existing.mtimeMs >= before.mtimeMs) return { made: false }

  // 'truncated' still refuses a cut-off file, but not the harmless warnings many cameras' JPEGs raise.
  let pipeline = sharp(source, { failOn: 'truncated' }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true })
  // JPEG has no alpha: transparent parts would otherwise turn black.
  if (format === 'jpeg') pipeline = pipeline.flatten({ background: '#ffffff' })
  const temp = tempPathFor(target)
  try {
    // Without withMetadata, sharp writes no EXIF, XMP or ICC (pixels are converted to sRGB).
    const info = await pipeline.toFormat(format).toFile(temp)
    const after = await stat(source)
    // Its thumbnail would look newer than a change made while it was read.
    if (after.mtimeMs !== before.mtimeMs || after.size !== before.size) throw new Error('It changed while its thumbnail was made; run the job again')
    await rename(temp, target)
    return { made: true, bytes: info.size }
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
