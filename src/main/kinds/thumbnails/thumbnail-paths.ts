import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'

export const THUMBNAIL_FORMATS = ['webp', 'jpeg'] as const
export type ThumbnailFormat = (typeof THUMBNAIL_FORMATS)[number]

const EXTENSIONS: Record<ThumbnailFormat, string> = { webp: 'webp', jpeg: 'jpg' }

/**
 * `sub/photo.jpg` at 256 px in WebP is `<out>/sub/photo.jpg.256.webp`: the
 * size and format in the name let thumbnails of several sizes share a folder,
 * and a file's name alone says whether it is the one asked for.
 */
export const thumbnailPath = (out: string, rel: string, size: number, format: ThumbnailFormat): string => join(out, `${rel}.${size}.${EXTENSIONS[format]}`)

/** A folder of `stateDir` that is always the same for the same input folder. */
export const defaultOutFolder = (stateDir: string, folder: string): string =>
  join(stateDir, createHash('sha256').update(resolve(folder)).digest('hex').slice(0, 16))
