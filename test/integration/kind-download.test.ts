import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import { startFileServer, type ServedFile } from '../fixtures/file-server'
import { exited, startHost, startServer, tempDir, waitFor, waitForStatus } from '../helpers'

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex')
const MiB = 1024 * 1024

interface Result {
  files: { name: string; url: string; bytes: number; sha256: string | null; how: string }[]
  filesTotal: number
  bytes: number
  receivedBytes: number
  downloaded: number
  resumed: number
  skipped: number
  retries: number
}
const resultOf = (job: Job): Result => job.result as Result

/** Whether the .part of the file named `name` in `folder` holds `bytes` bytes yet. */
const partHolds = (folder: string, name: string, bytes: number) => (): boolean => {
  const part = existsSync(folder) && readdirSync(folder).find((n) => n.startsWith(`${name}.`) && n.endsWith('.part'))
  return Boolean(part) && statSync(join(folder, part as string)).size >= bytes
}

describe('download kind', () => {
  it('fetches 40 files of varied sizes with the right sha256 though connections drop mid-body', async () => {
    // Sizes from empty to a few MiB, some around the server's 64 KiB chunks.
    const sizes = Array.from({ length: 40 }, (_, i) => [0, 1, 1000, 65_535, 65_536, 65_537, 300_000, 2 * MiB + 7, 4 * MiB, 5 * MiB - 3][i % 10]! + i)
    const files: Record<string, ServedFile> = {}
    sizes.forEach((size, i) => (files[`/data/file-${i}.bin`] = { body: randomBytes(size) }))
    // A tenth of responses cut (not ~1%): 40 files must see several drops for the test to mean anything.
    const server = await startFileServer(files, { dropRate: 0.1, seed: 13 })
    const host = await startHost({ kinds: [] })
    const folder = join(tempDir(), 'not', 'yet', 'here')
    const urls = sizes.map((_, i) => {
      const url = server.url(`/data/file-${i}.bin`)
      return i % 2 === 0 ? { url, sha256: sha(files[`/data/file-${i}.bin`]!.body) } : url
    })
    const job = host.api.createJob({ kind: 'download', params: { urls, folder, concurrency: 4 }, maxAttempts: 1 })
    expect(job.name).toBe('download: 40 files')
    const done = await waitForStatus(host, job.id, ['succeeded', 'failed'], 120_000)
    expect(done.error).toBeNull()

    const total = sizes.reduce((a, b) => a + b, 0)
    expect(readdirSync(folder).sort()).toEqual(sizes.map((_, i) => `file-${i}.bin`).sort())
    for (let i = 0; i < sizes.length; i++) expect(sha(readFileSync(join(folder, `file-${i}.bin`)))).toBe(sha(files[`/data/file-${i}.bin`]!.body))
    const result = resultOf(done)
    expect(result).toMatchObject({ filesTotal: 40, bytes: total, receivedBytes: total, downloaded: 40, resumed: 0, skipped: 0 })
    expect(result.files.map((f) => f.sha256)).toEqual(sizes.map((_, i) => sha(files[`/data/file-${i}.bin`]!.body)))
    // Every cut connection was taken up again from where it stopped, and nothing was sent twice.
    // Every cut was tried again. How much of a cut response had arrived depends on timing (fetch drops what
    // is still queued in its stream), so the tests below that cut at a known point check the resumed ranges.
    expect(server.stats.drops).toBeGreaterThanOrEqual(3)
    expect(result.retries).toBe(server.stats.drops)
    expect(server.stats.bytesSent).toBeGreaterThanOrEqual(total)
    expect(done.progress.message).toMatch(/^[\d.]+ MiB of [\d.]+ MiB · 40 of 40 files$/)
    expect(done.summary).toMatch(/^40 files, [\d.]+ MiB in .* · 40 downloaded/)
    await server.close()
  })

  it('names files from the server or the URL, safely, never over another file; a second run skips what is there', async () => {
    const body = (n: number): Buffer => Buffer.alloc(1000 + n, n)
    const files: Record<string, ServedFile> = {
      '/a/report': { body: body(1), contentDisposition: `attachment; filename="plain.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` },
      '/a/evil': { body: body(2), contentDisposition: 'attachment; filename="../../evil.txt"' },
      '/a/x/same.bin': { body: body(3) },
      '/a/y/same.bin': { body: body(4) },
      '/a/dir/': { body: body(5) },
      '/a/dots..': { body: body(6) },
      '/a/taken.bin': { body: body(7) },
      '/a/there.bin': { body: body(8) },
      // Asked for as /a/s%2Fl: the slash is part of the last segment.
      '/a/s/l': { body: body(9) },
      '/a/anything': { body: body(10) },
    }
    const server = await startFileServer(files)
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const folder = join(parent, 'in')
    mkdirSync(folder)
    writeFileSync(join(folder, 'taken.bin'), 'someone else’s file')
    writeFileSync(join(folder, 'there.bin'), body(8))
    const urls = [
      ...Object.keys(files)
        .filter((p) => p !== '/a/anything')
        .map((p) => server.url(p.replace('/a/s/l', '/a/s%2Fl'))),
      { url: server.url('/a/anything'), name: 'chosen.dat' },
    ]
    const run = async (): Promise<Result> => {
      const job = host.api.createJob({ kind: 'download', params: { urls, folder, concurrency: 3 }, maxAttempts: 1 })
      const done = await waitForStatus(host, job.id, ['succeeded', 'failed'], 60_000)
      expect(done.error).toBeNull()
      return resultOf(done)
    }
    const first = await run()
    const names = readdirSync(folder).sort()
    expect(names).toEqual(
      ['résumé.pdf', '.._.._evil.txt', 'same.bin', 'same (2).bin', 'download', 'dots', 'taken.bin', 'taken (2).bin', 'there.bin', 's_l', 'chosen.dat'].sort(),
    )
    expect(readdirSync(parent)).toEqual(['in'])
    expect(readFileSync(join(folder, 'taken.bin'), 'utf8')).toBe('someone else’s file')
    expect(sha(readFileSync(join(folder, 'taken (2).bin')))).toBe(sha(body(7)))
    expect(new Set([readFileSync(join(folder, 'same.bin'))[0], readFileSync(join(folder, 'same (2).bin'))[0]])).toEqual(new Set([3, 4]))
    expect(sha(readFileSync(join(folder, 'chosen.dat')))).toBe(sha(body(10)))
    expect(first).toMatchObject({ downloaded: 9, skipped: 1 })
    expect(first.files.find((f) => f.name === 'there.bin')!.how).toBe('skipped')

    const second = await run()
    expect(second).toMatchObject({ downloaded: 0, skipped: 10 })
    expect(readdirSync(folder).sort()).toEqual(names)
    await server.close()
  })

  it('starts a file over when the server ignores Range or the file changed since, and ends with the right bytes', async () => {
    const ignoring = randomBytes(300_000)
    const folder = tempDir()
    const changing: ServedFile = { body: randomBytes(400_000), cutFirstAt: 100_000, cutWhen: partHolds(folder, 'changing.bin', 100_000) }
    const changed = randomBytes(350_000)
    changing.onCut = () => (changing.body = changed)
    const server = await startFileServer({
      '/ignoring.bin': { body: ignoring, ignoreRange: true, cutFirstAt: 120_000, cutWhen: partHolds(folder, 'ignoring.bin', 120_000) },
      '/changing.bin': changing,
    })
    const host = await startHost({ kinds: [] })
    const job = host.api.createJob({
      kind: 'download',
      params: { urls: [server.url('/ignoring.bin'), { url: server.url('/changing.bin'), sha256: sha(changed) }], folder },
      maxAttempts: 1,
    })
    const done = await waitForStatus(host, job.id, ['succeeded', 'failed'], 60_000)
    expect(done.error).toBeNull()
    expect(sha(readFileSync(join(folder, 'ignoring.bin')))).toBe(sha(ignoring))
    expect(sha(readFileSync(join(folder, 'changing.bin')))).toBe(sha(changed))
    expect(readdirSync(folder).sort()).toEqual(['changing.bin', 'ignoring.bin'])
    expect(host.api.getJobLogs({ id: job.id }).lines.map((l) => l.line)).toEqual(
      expect.arrayContaining(['ignoring.bin: the server ignored the range; starting over', 'changing.bin: the file changed on the server; starting over']),
    )
    // Both came back with a Range; both got the whole file.
    const again = server.stats.requests.filter((r) => r.range !== null)
    expect(again.map((r) => [r.path, r.range, r.status]).sort()).toEqual([
      ['/changing.bin', 'bytes=100000-', 200],
      ['/ignoring.bin', 'bytes=120000-', 200],
    ])
    expect(server.stats.bytesSent).toBe(120_000 + ignoring.length + 100_000 + changed.length)
    await server.close()
  })

  it('a server error is tried again, then the attempt gives up with a clear message; the next one resumes from the .part', async () => {
    const data = randomBytes(500_000)
    const folder = tempDir()
    const server = await startFileServer({
      '/flaky.bin': { body: data, cutFirstAt: 200_000, cutWhen: partHolds(folder, 'flaky.bin', 200_000), thenStatuses: [503, 503, 503, 503, 503] },
    })
    const host = await startHost({ kinds: [] })
    const job = host.api.createJob({ kind: 'download', params: { url: server.url('/flaky.bin'), folder, sha256: sha(data) }, maxAttempts: 2 })
    const done = await waitForStatus(host, job.id, ['succeeded', 'failed'], 60_000)
    expect(done.error).toBeNull()
    expect(host.api.getJobAttempts({ id: job.id }).attempts.map((a) => [a.outcome, a.error?.message ?? null])).toEqual([
      ['failed', 'flaky.bin: HTTP 503 Service Unavailable (gave up after 5 tries in a row)'],
      ['succeeded', null],
    ])
    expect(server.stats.requests.map((r) => [r.range, r.status])).toEqual([
      [null, 200],
      ...Array.from({ length: 5 }, () => ['bytes=200000-', 503]),
      ['bytes=200000-', 206],
    ])
    expect(resultOf(done)).toMatchObject({ resumed: 1, receivedBytes: 300_000, files: [{ name: 'flaky.bin', how: 'resumed', sha256: sha(data) }] })
    expect(sha(readFileSync(join(folder, 'flaky.bin')))).toBe(sha(data))
    expect(readdirSync(folder)).toEqual(['flaky.bin'])
    await server.close()
  })

  it('a sha256 that differs fails with checksum_mismatch and leaves no file', async () => {
    const data = randomBytes(200_000)
    const server = await startFileServer({ '/f.bin': { body: data } })
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const wrong = sha(Buffer.from('something else'))
    const job = host.api.createJob({ kind: 'download', params: { url: server.url('/f.bin'), sha256: wrong.toUpperCase(), folder }, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed', 30_000)
    expect(failed.error).toMatchObject({ code: 'checksum_mismatch', detail: { name: 'f.bin', expected: wrong, actual: sha(data) } })
    expect(failed.error!.message).toContain('f.bin')
    expect(failed.error!.message).toContain(wrong)
    expect(failed.error!.message).toContain(sha(data))
    expect(readdirSync(folder)).toEqual([])
    await server.close()
  })

  it('a 404 fails with http_error and its status; the other files of the batch still arrive', async () => {
    const data = randomBytes(50_000)
    const server = await startFileServer({ '/ok.bin': { body: data }, '/gone.bin': { body: Buffer.alloc(0), status: 410 } })
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const single = host.api.createJob({ kind: 'download', params: { url: server.url('/missing.bin'), folder }, maxAttempts: 1 })
    expect((await waitForStatus(host, single.id, 'failed', 30_000)).error).toMatchObject({
      code: 'http_error',
      message: expect.stringContaining('HTTP 404'),
      detail: { status: 404 },
    })
    const batch = host.api.createJob({ kind: 'download', params: { urls: [server.url('/gone.bin'), server.url('/ok.bin')], folder }, maxAttempts: 1 })
    const failed = await waitForStatus(host, batch.id, 'failed', 30_000)
    expect(failed.error).toMatchObject({ code: 'http_error', message: expect.stringMatching(/^1 of 2 files failed: gone.bin: HTTP 410/) })
    expect(readdirSync(folder)).toEqual(['ok.bin'])
    expect(sha(readFileSync(join(folder, 'ok.bin')))).toBe(sha(data))
    // A 4xx is the server's answer: asked once, not again and again.
    expect(server.stats.requests.filter((r) => r.path === '/gone.bin')).toHaveLength(1)
    await server.close()
  })

  it('cancel stops at once, keeps finished files and leaves no .part behind', async () => {
    const small = randomBytes(10_000)
    const server = await startFileServer({ '/small.bin': { body: small }, '/big.bin': { body: randomBytes(40 * MiB) } }, { bytesPerSecond: 2 * MiB })
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const job = host.api.createJob({ kind: 'download', params: { urls: [server.url('/small.bin'), server.url('/big.bin')], folder } })
    const part = await waitFor(() => {
      const names = readdirSync(folder)
      const found = names.find((n) => n.startsWith('big.bin.') && n.endsWith('.part'))
      return names.includes('small.bin') && found && statSync(join(folder, found)).size > 0 && found
    }, 'small.bin to arrive and big.bin to be on its way')
    expect(readdirSync(folder)).toContain(`${part}.json`)
    host.api.cancelJob({ id: job.id })
    await waitForStatus(host, job.id, 'cancelled', 30_000)
    // The job is cancelled at once; the kind cleans up as it stops, within the engine's grace before a kill.
    await waitFor(
      () => readdirSync(folder).join() === 'small.bin',
      () => `only small.bin left (there are ${readdirSync(folder).join(', ')})`,
      10_000,
    )
    expect(sha(readFileSync(join(folder, 'small.bin')))).toBe(sha(small))
    await server.close()
  })

  it('kill -9 of the host mid-download resumes from the .part after a restart, not from zero', async () => {
    const data = randomBytes(50 * MiB)
    const server = await startFileServer({ '/large.bin': { body: data } }, { bytesPerSecond: 8 * MiB })
    const dataDir = tempDir()
    const folder = join(tempDir(), 'out')
    let host = await startServer(dataDir, ['--concurrency', '1'])
    const job = (await host.call('POST', '/api/jobs', {
      kind: 'download',
      params: { url: server.url('/large.bin'), folder, sha256: sha(data) },
    })) as unknown as Job
    await waitFor(partHolds(folder, 'large.bin', 5 * MiB), 'the .part to hold 5 MiB', 60_000)
    host.child.kill('SIGKILL')
    await exited(host.child)
    expect(partHolds(folder, 'large.bin', data.length)()).toBe(false)
    host = await startServer(dataDir, ['--concurrency', '1'])
    const done = await waitFor(
      async () => {
        const now = (await host.call('GET', `/api/jobs/${job.id}`)) as unknown as Job
        return ['succeeded', 'failed'].includes(now.status) && now
      },
      'the download to finish after the restart',
      90_000,
    )
    expect(done.error).toBeNull()
    expect(sha(readFileSync(join(folder, 'large.bin')))).toBe(sha(data))
    expect(readdirSync(folder)).toEqual(['large.bin'])
    expect(resultOf(done)).toMatchObject({ resumed: 1, files: [{ name: 'large.bin', how: 'resumed', sha256: sha(data) }] })
    expect(server.stats.requests.map((r) => r.status)).toEqual([200, 206])
    expect(server.stats.bytesSent).toBeLessThan(1.2 * data.length)
    host.child.kill('SIGTERM')
    await exited(host.child)
    await server.close()
  }, 180_000)

  it('refuses bad params at submission and writes nothing', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const aFile = join(parent, 'a-file')
    writeFileSync(aFile, 'x')
    const folder = join(parent, 'new')
    const refused = (params: Record<string, unknown>): string => {
      try {
        host.api.createJob({ kind: 'download', params })
      } catch (error) {
        expect(error).toMatchObject({ code: 'invalid_params' })
        return (error as Error).message
      }
      throw new Error(`accepted ${JSON.stringify(params)}`)
    }
    expect(refused({ url: 'ftp://example.com/f', folder })).toContain('Must be an http:// or https:// URL')
    expect(refused({ url: 'file:///etc/passwd', folder })).toContain('http:// or https://')
    expect(refused({ urls: ['http://example.com/a', 'javascript:alert(1)'], folder })).toContain('urls.1')
    expect(refused({ url: 'http://example.com/f', folder: 'relative/folder' })).toContain('Must be an absolute path')
    expect(refused({ url: 'http://example.com/f', folder: aFile })).toContain('Is a file, not a folder')
    expect(refused({ url: 'http://example.com/f', urls: ['http://example.com/g'], folder })).toContain('either url or urls')
    expect(refused({ folder })).toContain('either url or urls')
    expect(refused({ urls: [], folder })).toContain('at least one URL')
    expect(refused({ url: 'http://example.com/f', name: '../up', folder })).toContain('plain file name')
    expect(refused({ url: 'http://example.com/f', sha256: 'abc', folder })).toContain('SHA-256')
    expect(refused({ urls: ['http://example.com/a', 'http://example.com/a'], folder })).toContain('The same download as urls.0')
    expect(refused({ url: 'http://example.com/f', folder, concurrency: 17 })).toContain('concurrency')
    expect(host.api.listJobs({}).jobs).toEqual([])
    expect(readdirSync(parent)).toEqual(['a-file'])
  })
})
