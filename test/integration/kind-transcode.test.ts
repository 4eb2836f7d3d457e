import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isAlive, processesMatching, startHost, tempDir, uniqueMarker, waitFor, waitForStatus } from '../helpers'

/** A test clip made by ffmpeg itself: colour bars and a counter, with a 440 Hz tone. */
function makeClip(folder: string, seconds: number): string {
  const clip = join(folder, 'clip.mkv')
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=320x240:rate=25`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', clip],
  ])
  return clip
}

interface Probe {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]
  format: { duration: string }
}

const probe = (file: string): Probe =>
  JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height:format=duration', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  ) as Probe

describe('transcode kind', () => {
  it('converts with a video preset and an audio preset, through a partial file renamed at the end', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const input = makeClip(folder, 3)

    const mp4 = join(folder, 'out', 'clip.mp4')
    const video = host.api.createJob({ kind: 'transcode', params: { input, output: mp4, preset: 'h264-720p' } })
    expect(video).toMatchObject({ name: 'transcode: clip.mkv (h264-720p)', lane: 'encode' })
    const done = await waitForStatus(host, video.id, 'succeeded', 60_000)
    expect(done.result).toEqual({ output: mp4, preset: 'h264-720p', bytes: expect.any(Number), durationSeconds: expect.closeTo(3, 0) })
    expect(done.progress.fraction).toBe(1)
    const v = probe(mp4)
    // Never scaled up: a 240-line clip stays 320×240.
    expect(v.streams.map((s) => [s.codec_type, s.codec_name, s.width, s.height])).toEqual([
      ['video', 'h264', 320, 240],
      ['audio', 'aac', undefined, undefined],
    ])
    expect(Number(v.format.duration)).toBeCloseTo(3, 0)

    const mp3 = join(folder, 'clip.mp3')
    const audio = host.api.createJob({ kind: 'transcode', params: { input, output: mp3, preset: 'audio-mp3' } })
    await waitForStatus(host, audio.id, 'succeeded', 60_000)
    const a = probe(mp3)
    expect(a.streams.map((s) => [s.codec_type, s.codec_name])).toEqual([['audio', 'mp3']])
    expect(Number(a.format.duration)).toBeCloseTo(3, 0)
    expect(readdirSync(folder).sort()).toEqual(['clip.mkv', 'clip.mp3', 'out'])
    expect(readdirSync(join(folder, 'out'))).toEqual(['clip.mp4'])
  })

  it('an input named like its output’s partial file is never touched', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const input = join(folder, 'talk.partial.mkv')
    execFileSync('mv', [makeClip(folder, 1), input])
    const failing = host.api.createJob({ kind: 'transcode', params: { input, output: join(folder, 'talk.mkv'), preset: 'h264-720p' }, maxAttempts: 1 })
    await waitForStatus(host, failing.id, ['succeeded', 'failed'], 60_000)
    expect(existsSync(input)).toBe(true)
    expect(probe(input).streams.length).toBe(2)
  })

  it('reports progress by time encoded; cancel kills ffmpeg and leaves no partial file', async () => {
    const host = await startHost({ kinds: [] })
    const marker = uniqueMarker()
    const folder = tempDir(`${marker}-`)
    const input = makeClip(folder, 40)
    const output = join(folder, 'slow.mp4')
    const job = host.api.createJob({ kind: 'transcode', params: { input, output, preset: 'hevc-1080p' } })
    const running = await waitFor(
      () => {
        const { progress } = host.api.getJob({ id: job.id })
        return progress.fraction > 0 && progress.fraction < 1 && progress
      },
      'progress part way',
      60_000,
    )
    expect(running.message).toMatch(/^\d\d:\d\d:\d\d of 00:00:40 · \d+\.\d× speed$/)
    const ffmpeg = processesMatching(marker)
    expect(ffmpeg.length).toBeGreaterThan(0)
    const partial = readdirSync(folder).find((name) => /^slow\.[0-9a-f]{8}\.partial\.mp4$/.test(name))
    expect(partial).toBeDefined()

    host.api.cancelJob({ id: job.id })
    await waitForStatus(host, job.id, 'cancelled', 30_000)
    await waitFor(() => ffmpeg.every((pid) => !isAlive(pid)), 'ffmpeg to be gone', 30_000)
    await waitFor(() => !existsSync(join(folder, partial!)), 'the partial file to be removed', 10_000)
    expect(readdirSync(folder)).toEqual(['clip.mkv'])
  })

  it('fails with missing_tool, saying how to install it, when the worker has no ffmpeg on its PATH', async () => {
    const host = await startHost({ kinds: [], engine: { workerEnv: { PATH: tempDir() } } })
    const folder = tempDir()
    const input = join(folder, 'in.mkv')
    writeFileSync(input, 'not looked at')
    const job = host.api.createJob({ kind: 'transcode', params: { input, output: join(folder, 'out.mp4'), preset: 'h264-1080p' }, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed', 30_000)
    expect(failed.error).toMatchObject({ code: 'missing_tool', message: expect.stringContaining('apt install ffmpeg') })
    expect(failed.error?.message).toMatch(/brew install ffmpeg.*winget install ffmpeg/)
  })

  it('fails with the end of what ffmpeg said when it cannot read the input', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const input = join(folder, 'fake.mkv')
    writeFileSync(input, 'this is not a video\n'.repeat(100))
    const job = host.api.createJob({ kind: 'transcode', params: { input, output: join(folder, 'out.mp4'), preset: 'h264-720p' }, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed', 30_000)
    expect(failed.error).toMatchObject({ code: 'exit_code', message: expect.stringMatching(/^ffmpeg exited with code 1: .*Invalid data/) })
    const detail = failed.error?.detail as { stderr: string[] }
    expect(detail.stderr.length).toBeGreaterThan(0)
    expect(detail.stderr.length).toBeLessThanOrEqual(20)
    expect(readdirSync(folder)).toEqual(['fake.mkv'])
  })

  it('refuses bad params at submission: a missing input, the input as output, an extension the preset cannot make, an unknown preset, an existing output', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const input = join(folder, 'in.mkv')
    writeFileSync(input, 'x')
    writeFileSync(join(folder, 'taken.mp4'), 'x')
    const create = (params: Record<string, unknown>) => () => host.api.createJob({ kind: 'transcode', params: { input, preset: 'h264-720p', ...params } })
    expect(create({ input: join(folder, 'gone.mkv'), output: join(folder, 'o.mp4') })).toThrowError(/input: No such file/)
    expect(create({ output: input, preset: 'webm-720p', overwrite: true })).toThrowError(/output: Must not be the input file/)
    expect(create({ output: join(folder, 'o.webm') })).toThrowError(/output: The h264-720p preset makes \.mp4, \.mkv, \.mov files/)
    expect(create({ output: join(folder, 'o.mp4'), preset: 'h264-4k' })).toThrowError(/preset/)
    expect(create({ output: join(folder, 'taken.mp4') })).toThrowError(/output: Exists already/)
    expect(create({ output: join(folder, 'taken.mp4'), overwrite: true })).not.toThrow()
  })
})
