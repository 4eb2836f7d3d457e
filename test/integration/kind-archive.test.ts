import { createHash, randomBytes } from 'node:crypto'
import {
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Header } from 'tar'
import { afterAll, describe, expect, it } from 'vitest'
import { ZipFile } from 'yazl'
import type { Host } from '../../src/main/engine/host'
import type { Job } from '../../src/shared/job'
import { startHost, tempDir, waitFor, waitForStatus } from '../helpers'

/** Every file's sha256, every link's target and every empty folder under `root`, by relative path. */
function treeOf(root: string): Record<string, string> {
  const found: Record<string, string> = {}
  const walk = (dir: string): void => {
    const names = readdirSync(dir)
    if (names.length === 0 && dir !== root) found[relative(root, dir)] = 'empty folder'
    for (const name of names) {
      const path = join(dir, name)
      const stat = lstatSync(path)
      if (stat.isSymbolicLink()) found[relative(root, path)] = `link to ${readlinkSync(path)}`
      else if (stat.isDirectory()) walk(path)
      else found[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex')
    }
  }
  walk(root)
  return found
}

/** 10,000 small files in nested folders, an empty file, unicode names, an empty folder and a symlink. */
function makeFolder(root: string): void {
  for (let i = 0; i < 9_997; i++) {
    const dir = join(root, `d${i % 20}`, `e${i % 7}`)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, `f${i}.txt`), `file ${i} `.repeat(i % 50))
  }
  writeFileSync(join(root, 'empty'), '')
  mkdirSync(join(root, 'ünïcødé', '日本語'), { recursive: true })
  writeFileSync(join(root, 'ünïcødé', '日本語', 'résumé 🙂.txt'), 'bonjour')
  writeFileSync(join(root, 'ünïcødé', 'Ελληνικά.md'), '# γειά')
  mkdirSync(join(root, 'nothing-here'))
  symlinkSync('d0/e0/f0.txt', join(root, 'link-to-f0'))
}

/** Made once for both round trips: writing 10,000 files is most of what they cost. */
let shared: { root: string; tree: Record<string, string> } | undefined
function sharedFolder(): { root: string; tree: Record<string, string> } {
  if (!shared) {
    const root = mkdtempSync(join(tmpdir(), 'offload-archive-source-'))
    makeFolder(root)
    shared = { root, tree: treeOf(root) }
  }
  return shared
}
afterAll(() => {
  if (shared) rmSync(shared.root, { recursive: true, force: true })
})

async function run(host: Host, kind: string, params: Record<string, unknown>, timeoutMs = 120_000): Promise<Job> {
  const job = host.api.createJob({ kind, params, maxAttempts: 1 })
  return waitForStatus(host, job.id, ['succeeded', 'failed', 'cancelled'], timeoutMs)
}

/** A zip with the given names, each holding its own name; yazl refuses unsafe names, so those are patched in afterwards. */
async function zipBytes(entries: { name: string; stored?: string }[], options: { forceZip64?: boolean } = {}): Promise<Buffer> {
  const zip = new ZipFile()
  for (const { name, stored } of entries) {
    zip.addBuffer(Buffer.from(`I am ${name}`), stored ?? name, { forceZip64Format: options.forceZip64 ?? false, mtime: new Date(0) })
  }
  zip.end({ forceZip64Format: options.forceZip64 ?? false, comment: '' })
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  const bytes = Buffer.concat(chunks)
  for (const { name, stored } of entries) {
    if (!stored) continue
    // The name is in the local header and again in the central directory: both must say it.
    const from = Buffer.from(stored)
    const to = Buffer.from(name)
    expect(to.length).toBe(from.length)
    let at = bytes.indexOf(from)
    let patched = 0
    while (at !== -1) {
      to.copy(bytes, at)
      patched++
      at = bytes.indexOf(from, at + 1)
    }
    expect(patched).toBe(2)
  }
  return bytes
}

/** A tar.gz built header by header, so that it can hold what no well-behaved tool writes. */
function tarGzBytes(entries: { path: string; type: 'File' | 'Directory' | 'SymbolicLink' | 'Link'; body?: string; linkpath?: string }[]): Buffer {
  const blocks: Buffer[] = []
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '')
    const header = new Header({
      path: entry.path,
      type: entry.type,
      size: body.length,
      mode: entry.type === 'Directory' ? 0o755 : 0o644,
      mtime: new Date(0),
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
    })
    const block = Buffer.alloc(512)
    header.encode(block)
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(blocks))
}

describe('archive and extract kinds', () => {
  for (const format of ['zip', 'tar.gz'] as const) {
    it(`round-trips 10,000 files through a ${format}, byte for byte`, async () => {
      const host = await startHost({ kinds: [] })
      const { root: source, tree } = sharedFolder()
      const work = tempDir()
      const archive = join(work, `backup.${format}`)
      const packed = await run(host, 'archive', { folder: source, out: archive })
      expect(packed.error).toBeNull()
      expect(packed.status).toBe('succeeded')
      expect(packed.result).toMatchObject({
        out: archive,
        format,
        files: 10_000,
        links: format === 'zip' ? 0 : 1,
        skipped: format === 'zip' ? 1 : 0,
        bytesOut: readFileSync(archive).length,
      })
      expect(packed.progress.fraction).toBe(1)
      expect(packed.summary).toMatch(new RegExp(`^10,000 files, .* ${format.replace('.', '\\.')} \\(\\d+%\\)`))
      expect(readdirSync(work)).toEqual([`backup.${format}`])

      const out = join(work, 'restored')
      const unpacked = await run(host, 'extract', { file: archive, out })
      expect(unpacked.error).toBeNull()
      expect(unpacked.status).toBe('succeeded')
      const expected = { ...tree }
      if (format === 'zip') delete expected['link-to-f0']
      expect(treeOf(out)).toEqual(expected)
      expect(unpacked.result).toMatchObject({ out, files: 10_000, refusedTotal: 0, refused: [] })
      expect(unpacked.progress.fraction).toBe(1)
      expect(readdirSync(work).sort()).toEqual([`backup.${format}`, 'restored'])
    }, 180_000)
  }

  it('an empty folder makes an empty archive, which unpacks to an empty folder', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const empty = join(parent, 'empty')
    mkdirSync(empty)
    for (const format of ['zip', 'tar.gz']) {
      const archive = join(parent, `e.${format}`)
      expect(await run(host, 'archive', { folder: empty, out: archive })).toMatchObject({ status: 'succeeded', result: { files: 0, bytesIn: 0 } })
      const out = join(parent, `out-${format}`)
      expect(await run(host, 'extract', { file: archive, out })).toMatchObject({ status: 'succeeded', result: { files: 0, refusedTotal: 0 } })
      expect(readdirSync(out)).toEqual([])
    }
  })

  it('refuses zip entries that would land outside out and unpacks the rest', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const sibling = join(parent, 'sibling')
    mkdirSync(sibling)
    writeFileSync(join(sibling, 'keep.txt'), 'mine')
    const absolute = join(sibling, 'abs.txt')
    const archive = join(parent, 'evil.zip')
    writeFileSync(
      archive,
      await zipBytes([
        { name: 'ok.txt' },
        { name: '../evil', stored: 'xx/evil' },
        { name: '../sibling/keep.txt', stored: 'xx/sibling/keep.txt' },
        { name: absolute, stored: `x${absolute.slice(1)}` },
        { name: 'C:/drive.txt', stored: 'Cx/drive.txt' },
        { name: 'sub/..\\..\\win.txt', stored: 'sub/xx/xx/win.txt' },
      ]),
    )
    const out = join(parent, 'out')
    const done = await run(host, 'extract', { file: archive, out })
    expect(done.status).toBe('succeeded')
    expect(treeOf(out)).toEqual({ 'ok.txt': createHash('sha256').update('I am ok.txt').digest('hex') })
    expect(done.result).toMatchObject({
      files: 1,
      refusedTotal: 5,
      refused: [
        { path: '../evil', reason: expect.stringContaining('..') },
        { path: '../sibling/keep.txt', reason: expect.stringContaining('..') },
        { path: absolute, reason: 'absolute path' },
        { path: 'C:/drive.txt', reason: 'absolute path (drive letter)' },
        // yauzl reads backslashes as the separators Windows tools meant them to be.
        { path: 'sub/../../win.txt', reason: expect.stringContaining('..') },
      ],
    })
    expect(done.summary).toContain('5 entries refused:')
    expect(readdirSync(parent).sort()).toEqual(['evil.zip', 'out', 'sibling'])
    expect(readdirSync(sibling)).toEqual(['keep.txt'])
    expect(readFileSync(join(sibling, 'keep.txt'), 'utf8')).toBe('mine')
  })

  it('refuses tar entries and links that lead outside out, even through other links', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const sibling = join(parent, 'sibling')
    mkdirSync(sibling)
    writeFileSync(join(sibling, 'keep.txt'), 'mine')
    const archive = join(parent, 'evil.tar.gz')
    writeFileSync(
      archive,
      tarGzBytes([
        { path: 'ok.txt', type: 'File', body: 'fine' },
        { path: '../evil.txt', type: 'File', body: 'escaped' },
        { path: '/tmp/absolute-evil.txt', type: 'File', body: 'escaped' },
        { path: 'escape', type: 'SymbolicLink', linkpath: '../sibling' },
        { path: 'absolute-link', type: 'SymbolicLink', linkpath: sibling },
        // Would write through the link above, were it made before the files.
        { path: 'sub/up', type: 'SymbolicLink', linkpath: '..' },
        { path: 'chain', type: 'SymbolicLink', linkpath: 'sub/up/../sibling' },
        { path: 'hard', type: 'Link', linkpath: '../sibling/keep.txt' },
        { path: 'good-link', type: 'SymbolicLink', linkpath: 'ok.txt' },
        { path: 'good-hard', type: 'Link', linkpath: 'ok.txt' },
      ]),
    )
    const out = join(parent, 'out')
    const done = await run(host, 'extract', { file: archive, out })
    expect(done.status).toBe('succeeded')
    const fine = createHash('sha256').update('fine').digest('hex')
    expect(treeOf(out)).toEqual({ 'ok.txt': fine, 'good-hard': fine, 'good-link': 'link to ok.txt', 'sub/up': 'link to ..' })
    const refused = (done.result as { refused: { path: string; reason: string }[] }).refused
    expect(refused.map((r) => r.path).sort()).toEqual(['../evil.txt', '/tmp/absolute-evil.txt', 'absolute-link', 'chain', 'escape', 'hard'])
    expect(refused.find((r) => r.path === 'chain')!.reason).toMatch(/through other links/)
    expect(done.result).toMatchObject({ files: 2, links: 2, refusedTotal: 6 })
    expect(readdirSync(parent).sort()).toEqual(['evil.tar.gz', 'out', 'sibling'])
    expect(readdirSync(sibling)).toEqual(['keep.txt'])
    expect(existsSync('/tmp/absolute-evil.txt')).toBe(false)
  })

  it('never writes through a link the archive made', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const archive = join(parent, 'through.tar.gz')
    writeFileSync(
      archive,
      tarGzBytes([
        { path: 'inner', type: 'Directory' },
        { path: 'via', type: 'SymbolicLink', linkpath: 'inner' },
        { path: 'via/file.txt', type: 'File', body: 'where am I' },
      ]),
    )
    const out = join(parent, 'out')
    const done = await run(host, 'extract', { file: archive, out })
    expect(done.status).toBe('succeeded')
    // The file went to a real folder "via", so the link of that name is refused rather than made.
    expect(Object.keys(treeOf(out)).sort()).toEqual(['inner', 'via/file.txt'])
    expect(done.result).toMatchObject({ refused: [{ path: 'via', reason: expect.stringContaining('same name') }] })
  })

  it('unpacks a zip written with zip64 records', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const archive = join(parent, 'z64.zip')
    const bytes = await zipBytes([{ name: 'a.txt' }, { name: 'dir/b.txt' }], { forceZip64: true })
    // The zip64 end of central directory record and its locator.
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true)
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07]))).toBe(true)
    writeFileSync(archive, bytes)
    const out = join(parent, 'out')
    const done = await run(host, 'extract', { file: archive, out })
    expect(done.status).toBe('succeeded')
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('I am a.txt')
    expect(readFileSync(join(out, 'dir', 'b.txt'), 'utf8')).toBe('I am dir/b.txt')
  })

  it('fails a zip whose entry inflates past its declared size, keeping nothing', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const zip = new ZipFile()
    zip.addBuffer(Buffer.alloc(100_000, 'a'), 'bomb.txt', { mtime: new Date(0) })
    zip.end()
    const chunks: Buffer[] = []
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
    const bytes = Buffer.concat(chunks)
    // Declare 1,000 bytes in the central directory (uncompressed size at offset 24 of its header).
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    bytes.writeUInt32LE(1000, central + 24)
    const archive = join(parent, 'liar.zip')
    writeFileSync(archive, bytes)
    const done = await run(host, 'extract', { file: archive, out: join(parent, 'out') })
    expect(done.status).toBe('failed')
    expect(done.error).toMatchObject({ code: 'job_error', message: expect.stringMatching(/is damaged: .*too many bytes/) })
    expect(readdirSync(parent)).toEqual(['liar.zip'])
  })

  it('cancelling an archive removes its partial output', async () => {
    const host = await startHost({ kinds: [] })
    const source = tempDir()
    for (let i = 0; i < 3; i++) {
      const file = createWriteStream(join(source, `random-${i}.bin`))
      for (let mb = 0; mb < 50; mb++) if (!file.write(randomBytes(1024 * 1024))) await once(file, 'drain')
      file.end()
      await once(file, 'close')
    }
    for (const format of ['zip', 'tar.gz']) {
      const work = tempDir()
      const out = join(work, `big.${format}`)
      const job = host.api.createJob({ kind: 'archive', params: { folder: source, out }, maxAttempts: 1 })
      await waitFor(() => {
        const now = host.api.getJob({ id: job.id })
        return now.status === 'running' && now.progress.fraction > 0 && readdirSync(work).some((name) => name.endsWith('.partial'))
      }, `the ${format} archive to be under way`)
      host.api.cancelJob({ id: job.id })
      await waitForStatus(host, job.id, 'cancelled')
      await waitFor(
        () => readdirSync(work).length === 0,
        () => `the partial ${format} to be removed (${readdirSync(work).join(', ')})`,
      )
    }
  }, 120_000)

  it('cancelling an extract leaves no out folder', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const zip = new ZipFile()
    for (let i = 0; i < 30_000; i++) zip.addBuffer(randomBytes(512), `d${i % 100}/f${i}.bin`, { compress: false, mtime: new Date(0) })
    zip.end()
    const archive = join(parent, 'many.zip')
    const written = createWriteStream(archive)
    zip.outputStream.pipe(written)
    await once(written, 'close')
    const out = join(parent, 'out')
    const job = host.api.createJob({ kind: 'extract', params: { file: archive, out }, maxAttempts: 1 })
    await waitFor(() => {
      const now = host.api.getJob({ id: job.id })
      return now.status === 'running' && now.progress.fraction > 0.05
    }, 'the extract to be under way')
    expect(readdirSync(parent).some((name) => name.startsWith('out.partial-'))).toBe(true)
    host.api.cancelJob({ id: job.id })
    await waitForStatus(host, job.id, 'cancelled')
    await waitFor(
      () => readdirSync(parent).length === 1,
      () => `the partial folder to be removed (${readdirSync(parent).join(', ')})`,
    )
    expect(readdirSync(parent)).toEqual(['many.zip'])
  }, 120_000)

  it('refuses bad params at submission and writes nothing', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const folder = join(parent, 'folder')
    mkdirSync(folder)
    writeFileSync(join(folder, 'a.txt'), 'a')
    const text = join(parent, 'notes.txt')
    writeFileSync(text, 'just some text, no archive')
    const full = join(parent, 'full')
    mkdirSync(full)
    writeFileSync(join(full, 'x'), 'x')
    const existing = join(parent, 'existing.zip')
    writeFileSync(existing, 'old')
    const before = treeOf(parent)
    const add = (kind: string, params: Record<string, unknown>) => () => host.api.createJob({ kind, params })
    expect(add('archive', { folder: join(parent, 'missing'), out: join(parent, 'a.zip') })).toThrowError(/No such folder/)
    expect(add('archive', { folder: text, out: join(parent, 'a.zip') })).toThrowError(/Is a file, not a folder/)
    expect(add('archive', { folder, out: join(folder, 'self.zip') })).toThrowError(/Is inside the folder being archived/)
    expect(add('archive', { folder, out: existing })).toThrowError(/Exists already; set overwrite to replace it/)
    expect(add('archive', { folder, out: join(parent, 'a.rar') })).toThrowError(/Say zip or tar.gz/)
    expect(add('archive', { folder, out: join(parent, 'a.zip'), format: 'rar' })).toThrowError(/format/)
    expect(add('extract', { file: join(parent, 'missing.zip'), out: join(parent, 'o') })).toThrowError(/No such file/)
    expect(add('extract', { file: text, out: join(parent, 'o') })).toThrowError(/Not a zip or tar.gz archive/)
    expect(add('extract', { file: existing, out: join(parent, 'o') })).toThrowError(/Not a zip or tar.gz archive/)
    expect(add('extract', { file: existing, out: full })).toThrowError(/Exists and is not empty/)
    expect(treeOf(parent)).toEqual(before)

    const replaced = await run(host, 'archive', { folder, out: existing, overwrite: true })
    expect(replaced.status).toBe('succeeded')
    expect(readFileSync(existing).subarray(0, 2).toString()).toBe('PK')
  })

  it('fails clearly on a gzip that holds no tar, a damaged zip or tar.gz, and a checksum that does not match, writing nothing', async () => {
    const host = await startHost({ kinds: [] })
    const parent = tempDir()
    const empty = join(parent, 'empty-out')
    mkdirSync(empty)
    const gz = join(parent, 'text.tar.gz')
    writeFileSync(gz, gzipSync(Buffer.from('not a tar at all\n'.repeat(100))))
    const broken = join(parent, 'broken.zip')
    writeFileSync(broken, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(2000)]))
    const notTar = await run(host, 'extract', { file: gz, out: join(parent, 'out1') })
    expect(notTar.error).toMatchObject({ code: 'job_error', message: expect.stringContaining('is not a tar archive') })
    const damaged = await run(host, 'extract', { file: broken, out: empty })
    expect(damaged.error).toMatchObject({ code: 'job_error', message: expect.stringContaining('is not a readable zip') })

    const whole = tarGzBytes([{ path: 'big.bin', type: 'File', body: randomBytes(200_000).toString('base64') }])
    const truncated = join(parent, 'truncated.tar.gz')
    writeFileSync(truncated, whole.subarray(0, whole.length / 2))
    const cut = await run(host, 'extract', { file: truncated, out: join(parent, 'out2') })
    expect(cut.error).toMatchObject({ code: 'job_error', message: expect.stringContaining('is damaged') })

    // Stored, so that a changed byte still inflates to the right size: only the CRC-32 can tell.
    const zip = new ZipFile()
    zip.addBuffer(Buffer.from('the quick brown fox jumps over the lazy dog'), 'fox.txt', { compress: false, mtime: new Date(0) })
    zip.end()
    const chunks: Buffer[] = []
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
    const flipped = Buffer.concat(chunks)
    flipped[flipped.indexOf('quick')] = 'Q'.charCodeAt(0)
    const damagedZip = join(parent, 'flipped.zip')
    writeFileSync(damagedZip, flipped)
    const crc = await run(host, 'extract', { file: damagedZip, out: join(parent, 'out3') })
    expect(crc.error).toMatchObject({ code: 'checksum_mismatch', message: expect.stringContaining('fox.txt') })

    expect(readdirSync(parent).sort()).toEqual(['broken.zip', 'empty-out', 'flipped.zip', 'text.tar.gz', 'truncated.tar.gz'])
    expect(readdirSync(empty)).toEqual([])
  })
})
