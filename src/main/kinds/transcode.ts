import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { link, mkdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { z } from 'zod'
import { formatBytes } from './format-bytes'
import { defineKind, JobFailure } from './kind'
import { existingFile, outputFile } from './path-params'
import { findTool, INSTALL_HINT, probeDuration, runFfmpeg } from './transcode/ffmpeg'
import { clockText } from './transcode/ffmpeg-progress'
import { describePresets, PRESET_NAMES, PRESETS } from './transcode/presets'

interface TranscodeResult {
  output: string
  preset: string
  bytes: number
  /** The input's length in seconds, when ffprobe or ffmpeg said. */
  durationSeconds: number | null
}

/**
 * `clip.mp4` → `clip.3f9a0c1e.partial.mp4`: ffmpeg still sees the extension it
 * picks the container by, and the random part keeps it off a file of the
 * user's (even the input: `clip.partial.mp4` → `clip.mp4` must not erase it)
 * and off another job's partial file for the same output.
 */
const partialName = (output: string): string => {
  const ext = extname(output)
  return join(dirname(output), `${basename(output, ext)}.${randomBytes(4).toString('hex')}.partial${ext}`)
}

/** Puts the finished file in place; without `overwrite`, a file that appeared there meanwhile is never replaced. */
async function publish(partial: string, output: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(partial, output)
  try {
    await link(partial, output)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new JobFailure('job_error', `${output} appeared while encoding; not replaced`)
    // No hard links on this file system: a look, then a rename.
    if (existsSync(output)) throw new JobFailure('job_error', `${output} appeared while encoding; not replaced`)
    return rename(partial, output)
  }
  await unlink(partial)
}

export const transcodeKind = defineKind({
  name: 'transcode',
  // ffmpeg keeps every core busy on its own: one encode is a whole machine's work.
  bound: 'cpu',
  /**
   * Encodes share a lane so a person can say "one at a time" once (two encodes
   * at once only split the cores and finish later); a lane nobody set is open.
   */
  lane: 'encode',
  description: 'Converts a video or audio file with ffmpeg (from the PATH) using a named preset, with progress by time encoded.',
  params: z
    .strictObject({
      input: existingFile.describe('The file to convert'),
      output: outputFile.describe('The file to make; its extension must suit the preset'),
      preset: z.enum(PRESET_NAMES).describe(`What to make. ${describePresets()}`),
      overwrite: z.boolean().default(false).describe('Replace the output file if it exists'),
    })
    .superRefine(({ input, output, preset, overwrite }, ctx) => {
      if (resolve(input) === resolve(output)) ctx.addIssue({ code: 'custom', path: ['output'], message: 'Must not be the input file' })
      const allowed: readonly string[] = PRESETS[preset].extensions
      if (!allowed.includes(extname(output).toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['output'], message: `The ${preset} preset makes ${allowed.join(', ')} files` })
      if (!overwrite && existsSync(output)) ctx.addIssue({ code: 'custom', path: ['output'], message: 'Exists already (set overwrite to replace it)' })
    }),
  async run({ input, output, preset, overwrite }, ctx): Promise<TranscodeResult> {
    const ffmpeg = findTool('ffmpeg')
    if (!ffmpeg) throw new JobFailure('missing_tool', `ffmpeg was not found on the PATH: ${INSTALL_HINT}`)
    if (!overwrite && existsSync(output)) throw new JobFailure('invalid_params', `${output} exists already (set overwrite to replace it)`)
    const ffprobe = findTool('ffprobe')
    ctx.progress(0, 'Reading the input')
    const probed = ffprobe ? await probeDuration(ffprobe, input, ctx.signal) : null
    await mkdir(dirname(output), { recursive: true })
    const partial = partialName(output)
    // Claimed before ffmpeg runs (and fails if the name is taken), so the clean-up below only ever removes our own file.
    await writeFile(partial, '', { flag: 'wx' })
    const args = ['-hide_banner', '-nostdin', '-y', '-i', input, ...PRESETS[preset].args, '-progress', 'pipe:1', '-nostats', partial]
    let duration: number | null
    try {
      duration = await runFfmpeg(ffmpeg, args, probed, ctx)
      await publish(partial, output, overwrite)
    } finally {
      await rm(partial, { force: true })
    }
    const bytes = (await stat(output)).size
    return { output, preset, bytes, durationSeconds: duration }
  },
  jobName: ({ input, preset }) => `transcode: ${basename(input)} (${preset})`,
  summary: (r) => [r.output, `${r.preset} · ${formatBytes(r.bytes)}${r.durationSeconds === null ? '' : ` · ${clockText(r.durationSeconds)} long`}`].join('\n'),
})
