import { z } from 'zod'
import { defineKind } from './kind'
import { formatBytes } from './format-bytes'
import { existingFolder, isInside, outputFolder } from './path-params'
import { runThumbnails, type ThumbnailsResult } from './thumbnails/run-thumbnails'
import { defaultOutFolder, THUMBNAIL_FORMATS } from './thumbnails/thumbnail-paths'

export const MIN_THUMBNAIL_SIZE = 16
export const MAX_THUMBNAIL_SIZE = 4096
/** The failures named in the summary; the result holds more. */
const SUMMARY_FAILURES = 20

export const thumbnailsKind = defineKind({
  name: 'thumbnails',
  // Decoding and resizing images keeps the cores busy; the disk waits on them.
  bound: 'cpu',
  description:
    'Makes a thumbnail of every image under a folder (JPEG, PNG, WebP, GIF, TIFF, AVIF, and HEIC where this build of sharp reads it; links are not followed), ' +
    'turned upright by its EXIF orientation, fitted within size × size without enlarging, metadata stripped. ' +
    'Thumbnails mirror the folder: sub/photo.jpg becomes <out>/sub/photo.jpg.256.webp (size and format in the name). ' +
    'A thumbnail not older than its image is kept, so running the job again makes only what is new or changed; images that cannot be read are listed, not fatal.',
  params: z
    .strictObject({
      folder: existingFolder.describe('Folder of images, searched with its subfolders'),
      size: z
        .number()
        .int()
        .min(MIN_THUMBNAIL_SIZE)
        .max(MAX_THUMBNAIL_SIZE)
        .default(256)
        .describe(`Longest edge of a thumbnail in pixels (${MIN_THUMBNAIL_SIZE}–${MAX_THUMBNAIL_SIZE}); smaller images keep their size`),
      format: z.enum(THUMBNAIL_FORMATS).default('webp').describe('Format of the thumbnails'),
      out: outputFolder
        .optional()
        .describe("Folder to write the thumbnails into; by default one kept in Offload's data folder for this input folder (the result says where)"),
    })
    .superRefine(({ folder, out }, ctx) => {
      if (out !== undefined && isInside(out, folder)) {
        ctx.addIssue({ code: 'custom', path: ['out'], message: 'Must not be inside the folder: the next run would make thumbnails of the thumbnails' })
      }
    }),
  async run({ folder, size, format, out }, ctx) {
    // Loaded only when a job runs: the host imports every kind at start-up, and sharp's native library is big.
    const { default: sharp } = await import('sharp')
    return runThumbnails(sharp, { folder, size, format, out: out ?? defaultOutFolder(ctx.stateDir, folder) }, ctx)
  },
  jobName: ({ folder, size }) => `thumbnails ${size} px: ${folder}`,
  summary: (r: ThumbnailsResult) =>
    [
      `${r.made.toLocaleString('en')} made, ${r.skipped.toLocaleString('en')} up to date, ${r.failed.toLocaleString('en')} failed · ${formatBytes(r.bytesWritten)} written`,
      `${r.size} px ${r.format} thumbnails in ${r.out}`,
      ...(r.failed > 0 ? [`Failed${r.failed > SUMMARY_FAILURES ? ` (the first ${SUMMARY_FAILURES} of ${r.failed.toLocaleString('en')})` : ''}:`] : []),
      ...r.failures.slice(0, SUMMARY_FAILURES).map((f) => `${f.path}: ${f.error}`),
    ].join('\n'),
})
