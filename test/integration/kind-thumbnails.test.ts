import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import type { ThumbnailsResult } from '../../src/main/kinds/thumbnails/run-thumbnails'
import { startHost, tempDir, waitFor, waitForStatus } from '../helpers'

type TestHost = Awaited<ReturnType<typeof startHost>>

/** Every file under `dir`, by path relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort()
}

const solid = (width: number, height: number, background: string) => sharp({ create: { width, height, channels: 3, background } })

/** 200×100 stored, red on the left and blue on the right, tagged "rotate 90° clockwise to view" (EXIF orientation 6). */
async function sidewaysJpeg(): Promise<Buffer> {
  const half = (colour: string) => solid(100, 100, colour).png().toBuffer()
  return solid(200, 100, '#000000')
    .composite([
      { input: await half('#ff0000'), left: 0, top: 0 },
      { input: await half('#0000ff'), left: 100, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer()
}

/** A photo-like JPEG: noise keeps decoding as costly as a real one's. */
const noisyJpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg()
    .toBuffer()

async function thumbnails(host: TestHost, params: Record<string, unknown>): Promise<Job & { result: ThumbnailsResult }> {
  const job = host.api.createJob({ kind: 'thumbnails', params, maxAttempts: 1 })
  return (await waitForStatus(host, job.id, ['succeeded', 'failed'], 60_000)) as Job & { result: ThumbnailsResult }
}

async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true })
  const at = (y * info.width + x) * info.channels
  return [...data.subarray(at, at + 3)]
}

describe('thumbnails kind', () => {
  it('turns an image upright by its EXIF orientation, fits it within the size, strips its metadata, and mirrors subfolders in the state folder', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    mkdirSync(join(folder, 'sub'))
    writeFileSync(join(folder, 'sideways.jpg'), await sidewaysJpeg())
    await solid(40, 20, '#00ff00')
      .png()
      .toFile(join(folder, 'sub', 'small.PNG'))
    writeFileSync(join(folder, 'notes.txt'), 'not an image')

    const done = await thumbnails(host, { folder, size: 64 })
    expect(done.status).toBe('succeeded')
    const { out } = done.result
    expect(relative(join(host.dataDir, 'state', 'thumbnails'), out)).toMatch(/^[0-9a-f]{16}$/)
    expect(done.result).toMatchObject({ size: 64, format: 'webp', images: 2, made: 2, skipped: 0, failed: 0, failures: [] })
    expect(filesUnder(out)).toEqual(['sideways.jpg.64.webp', 'sub/small.PNG.64.webp'])
    expect(done.result.bytesWritten).toBe(statSync(join(out, 'sideways.jpg.64.webp')).size + statSync(join(out, 'sub', 'small.PNG.64.webp')).size)
    expect(done.progress).toEqual({ fraction: 1, message: '2 of 2 images' })

    // Orientation 6 means "turn 90° clockwise to view": the stored left edge (red) becomes the top.
    const upright = join(out, 'sideways.jpg.64.webp')
    const meta = await sharp(upright).metadata()
    expect([meta.format, meta.width, meta.height, meta.orientation, meta.exif]).toEqual(['webp', 32, 64, undefined, undefined])
    const [red, blue] = [await pixel(upright, 16, 8), await pixel(upright, 16, 56)]
    expect(red[0]).toBeGreaterThan(200)
    expect(red[2]).toBeLessThan(50)
    expect(blue[2]).toBeGreaterThan(200)
    expect(blue[0]).toBeLessThan(50)

    // Smaller than the size asked for: kept as it is, never enlarged.
    expect(await sharp(join(out, 'sub', 'small.PNG.64.webp')).metadata()).toMatchObject({ width: 40, height: 20 })
    expect(done.result.bytesWritten).toBeLessThan(1024)
    expect(done.summary).toBe(`2 made, 0 up to date, 0 failed · ${done.result.bytesWritten} B written\n64 px webp thumbnails in ${out}`)
  })

  it('skips up-to-date thumbnails without writing; a touched image is made again, alone; another size or format is made beside', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const out = join(tempDir(), 'thumbs')
    for (const [name, colour] of [
      ['a.jpg', '#ff0000'],
      ['b.png', '#00ff00'],
      ['c.webp', '#0000ff'],
    ] as const) {
      await solid(300, 200, colour).toFile(join(folder, name))
    }
    const first = await thumbnails(host, { folder, out, size: 100 })
    expect(first.result).toMatchObject({ out, images: 3, made: 3, skipped: 0, failed: 0 })
    const names = ['a.jpg.100.webp', 'b.png.100.webp', 'c.webp.100.webp']
    expect(filesUnder(out)).toEqual(names)
    const mtimes = () => Object.fromEntries(names.map((n) => [n, statSync(join(out, n)).mtimeMs]))
    const before = mtimes()

    // What a worker killed mid-write leaves, and what one at work there now has open.
    const stale = join(out, '.a.jpg.100.webp.0badc0de.tmp')
    const fresh = join(out, '.b.png.100.webp.00c0ffee.tmp')
    writeFileSync(stale, 'half a thumbnail')
    writeFileSync(fresh, 'half a thumbnail')
    const twoHoursAgo = Date.now() / 1000 - 2 * 3600
    utimesSync(stale, twoHoursAgo, twoHoursAgo)

    const second = await thumbnails(host, { folder, out, size: 100 })
    expect(second.result).toMatchObject({ images: 3, made: 0, skipped: 3, failed: 0, bytesWritten: 0 })
    expect(mtimes()).toEqual(before)
    expect(filesUnder(out)).toEqual(['.b.png.100.webp.00c0ffee.tmp', ...names])
    rmSync(fresh)

    const later = Date.now() / 1000 + 60
    utimesSync(join(folder, 'b.png'), later, later)
    const third = await thumbnails(host, { folder, out, size: 100 })
    expect(third.result).toMatchObject({ made: 1, skipped: 2, failed: 0 })
    const after = mtimes()
    expect(after['b.png.100.webp']).not.toBe(before['b.png.100.webp'])
    expect({ ...after, 'b.png.100.webp': 0 }).toEqual({ ...before, 'b.png.100.webp': 0 })

    const jpeg = await thumbnails(host, { folder, out, size: 50, format: 'jpeg' })
    expect(jpeg.result).toMatchObject({ made: 3, skipped: 0 })
    expect(filesUnder(out)).toEqual(['a.jpg.100.webp', 'a.jpg.50.jpg', 'b.png.100.webp', 'b.png.50.jpg', 'c.webp.100.webp', 'c.webp.50.jpg'])
    expect(await sharp(join(out, 'a.jpg.50.jpg')).metadata()).toMatchObject({ format: 'jpeg', width: 50, height: 33 })
  })

  it('lists a corrupt image in the result and the log, and makes the others', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const out = join(tempDir(), 'thumbs')
    await solid(300, 200, '#ff0000').jpeg().toFile(join(folder, 'good.jpg'))
    await solid(300, 200, '#00ff00').png().toFile(join(folder, 'fine.png'))
    writeFileSync(join(folder, 'broken.jpg'), randomBytes(5000))
    // A real JPEG cut short: the start decodes, the rest is missing.
    writeFileSync(join(folder, 'cut.jpg'), (await noisyJpeg(400, 300)).subarray(0, 4000))

    const done = await thumbnails(host, { folder, out })
    expect(done.status).toBe('succeeded')
    expect(done.result).toMatchObject({ images: 4, made: 2, skipped: 0, failed: 2 })
    expect(done.result.failures.map((f) => f.path)).toEqual(['broken.jpg', 'cut.jpg'])
    for (const f of done.result.failures) expect(f.error).not.toBe('')
    expect(filesUnder(out)).toEqual(['fine.png.256.webp', 'good.jpg.256.webp'])
    const logged = host.api.getJobLogs({ id: done.id }).lines.map((l) => l.line)
    expect(logged).toEqual([expect.stringMatching(/^No thumbnail of broken\.jpg: /), expect.stringMatching(/^No thumbnail of cut\.jpg: /)])
    expect(done.summary).toContain('\nFailed:\nbroken.jpg: ')
  })

  it('cancelled mid-run, it stops and leaves only whole thumbnails, no temp files', async () => {
    // Time enough to stop on its own: a worker killed mid-write is another case (its temp files are swept later).
    const host = await startHost({ kinds: [], engine: { killGraceMs: 30_000 } })
    const folder = tempDir()
    const out = join(tempDir(), 'thumbs')
    // Big enough that an image takes a while: a runner left writing after the attempt ended would be caught at it.
    const photo = await noisyJpeg(3000, 2000)
    const total = 30
    for (let i = 0; i < total; i++) writeFileSync(join(folder, `p${String(i).padStart(2, '0')}.jpg`), photo)

    const job = host.api.createJob({ kind: 'thumbnails', params: { folder, out }, maxAttempts: 1 })
    const madeSoFar = () => Number(/^(\d+) of 30 images$/.exec(host.api.getJob({ id: job.id }).progress.message ?? '')?.[1] ?? 0)
    await waitFor(() => madeSoFar() >= 2, 'two thumbnails to be made', 60_000)
    host.api.cancelJob({ id: job.id })
    expect(host.api.getJob({ id: job.id }).status).toBe('cancelled')
    // The job is cancelled at once; its attempt ends when the kind returns, well inside the kill grace.
    const left = await waitFor(() => !host.engine.isRunning(job.id) && filesUnder(out), 'the attempt to end', 30_000)
    expect(left.length).toBeGreaterThan(0)
    expect(left.length).toBeLessThan(total)
    // Nothing is still at work writing there once the attempt has ended.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(filesUnder(out)).toEqual(left)
    for (const name of left) {
      expect(name).toMatch(/^p\d\d\.jpg\.256\.webp$/)
      expect(await sharp(join(out, name)).metadata()).toMatchObject({ width: 256, height: 171 })
    }
  })

  it('refuses bad params at submission and writes nothing', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const file = join(folder, 'photo.jpg')
    await solid(30, 20, '#ff0000').jpeg().toFile(file)
    const out = join(tempDir(), 'never')
    const refusal = (params: Record<string, unknown>) => {
      try {
        host.api.createJob({ kind: 'thumbnails', params })
      } catch (error) {
        const { code, message } = error as { code: string; message: string }
        return { code, message }
      }
      throw new Error(`accepted ${JSON.stringify(params)}`)
    }
    expect(refusal({ folder: join(folder, 'missing'), out })).toEqual({ code: 'invalid_params', message: expect.stringContaining('folder: No such folder') })
    expect(refusal({ folder: file, out })).toEqual({ code: 'invalid_params', message: expect.stringContaining('folder: Is a file, not a folder') })
    expect(refusal({ folder, out: join(folder, 'thumbs') })).toEqual({
      code: 'invalid_params',
      message: expect.stringContaining('out: Must not be inside the folder'),
    })
    expect(refusal({ folder, out: folder }).message).toContain('out: Must not be inside the folder')
    expect(refusal({ folder, out: join(file, 'thumbs') }).message).toContain('out: A part of this path is a file, not a folder')
    for (const size of [8, 5000, 100.5, '256']) expect(refusal({ folder, out, size }).message).toMatch(/^Invalid params for "thumbnails": size: /)
    expect(refusal({ folder, out, format: 'png' }).message).toMatch(/format: /)
    expect(refusal({ folder, out, quality: 80 }).message).toMatch(/Unrecognized key/)

    expect(host.api.listJobs({ limit: 10 }).jobs).toEqual([])
    expect(existsSync(out)).toBe(false)
    expect(filesUnder(folder)).toEqual(['photo.jpg'])
    expect(existsSync(join(host.dataDir, 'state', 'thumbnails'))).toBe(false)
  })
})
