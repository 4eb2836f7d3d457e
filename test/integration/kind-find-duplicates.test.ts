import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { FindDuplicatesResult } from '../../src/main/kinds/find-duplicates'
import type { MoveDuplicatesResult } from '../../src/main/kinds/move-duplicates'
import { startHost, tempDir, waitFor, waitForStatus } from '../helpers'

/** A writable folder on another file system than the temp folder, where this machine has one. */
const otherDevice = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? '/dev/shm' : null

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')

/** Every file under `dir` by relative path, with its content's hash. */
function contents(dir: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name)
      found.set(relative(dir, path), sha(readFileSync(path)))
    }
  }
  return found
}

/** A folder with two groups of copies (a big one and a small one), same-size files that differ, and odd entries. */
function fixture(): { folder: string; big: Buffer; small: string } {
  const folder = tempDir()
  mkdirSync(join(folder, 'photos', '2024'), { recursive: true })
  mkdirSync(join(folder, 'backup'))
  const big = Buffer.alloc(300_000, 7)
  const small = 'same small text\n'
  writeFileSync(join(folder, 'photos', 'a.jpg'), big)
  writeFileSync(join(folder, 'photos', '2024', 'a copy.jpg'), big)
  writeFileSync(join(folder, 'backup', 'a.jpg'), big)
  writeFileSync(join(folder, 'notes.txt'), small)
  writeFileSync(join(folder, 'backup', 'notes.txt'), small)
  // Same size as `big`, different only at the end: past the first 4 KB, so only the full hash tells them apart.
  const lateDiff = Buffer.from(big)
  lateDiff[lateDiff.length - 1] = 8
  writeFileSync(join(folder, 'photos', 'b.jpg'), lateDiff)
  // Same size as `small`, different at once.
  writeFileSync(join(folder, 'other.txt'), 'diff small text\n')
  writeFileSync(join(folder, 'lonely.bin'), Buffer.alloc(12_345, 1))
  writeFileSync(join(folder, 'empty1'), '')
  writeFileSync(join(folder, 'empty2'), '')
  // Another name for the same bytes: nothing to reclaim.
  linkSync(join(folder, 'lonely.bin'), join(folder, 'backup', 'lonely-link.bin'))
  symlinkSync(join(folder, 'nowhere'), join(folder, 'dangling'))
  symlinkSync(join(folder, 'photos', 'a.jpg'), join(folder, 'link-to-a'))
  execFileSync('mkfifo', [join(folder, 'pipe')])
  return { folder, big, small }
}

describe('find-duplicates kind', () => {
  it('groups identical files, reading only files that share a size, and passes over links and FIFOs', async () => {
    const host = await startHost({ kinds: [] })
    const { folder } = fixture()
    const job = host.api.createJob({ kind: 'find-duplicates', params: { folder } })
    const done = await waitForStatus(host, job.id, 'succeeded', 60_000)
    const result = done.result as FindDuplicatesResult
    expect(result).toEqual({
      folder,
      // 11 regular files, one a hard link to another; the symlinks and the FIFO are not files to compare.
      scanned: 11,
      hardLinks: 1,
      // Not lonely.bin (no other of its size) nor the empty files (under minSize): 4 of 300 000 bytes and 3 of 16.
      hashed: 7,
      // The big four by their first 4 KB, then in full (b.jpg's first 4 KB match too); the small ones in full.
      bytesHashed: 4 * 4096 + 4 * 300_000 + 3 * 16,
      groups: [
        { hash: sha(Buffer.alloc(300_000, 7)), size: 300_000, paths: ['backup/a.jpg', 'photos/2024/a copy.jpg', 'photos/a.jpg'] },
        { hash: sha('same small text\n'), size: 16, paths: ['backup/notes.txt', 'notes.txt'] },
      ],
      groupsTotal: 2,
      reclaimableBytes: 600_016,
      duplicateFiles: 3,
      unreadable: [],
      unreadableTotal: 0,
    })
    expect(done.progress.fraction).toBe(1)
    expect(done.name).toBe(`find-duplicates: ${folder}`)
    expect(done.summary?.split('\n').slice(0, 3)).toEqual([
      '2 groups of duplicates · 3 extra copies · 586.0 KiB to reclaim',
      '11 files scanned, 7 read (1.2 MiB)',
      'A hard link to files already counted left out (no extra space)',
    ])
  })

  it('counts empty files when asked to, and leaves out files under minSize', async () => {
    const host = await startHost({ kinds: [] })
    const { folder } = fixture()
    const all = host.api.createJob({ kind: 'find-duplicates', params: { folder, minSize: 0 } })
    const withEmpty = (await waitForStatus(host, all.id, 'succeeded', 60_000)).result as FindDuplicatesResult
    expect(withEmpty.groups.map((g) => g.paths)).toContainEqual(['empty1', 'empty2'])
    const bigOnly = host.api.createJob({ kind: 'find-duplicates', params: { folder, minSize: 100_000 } })
    const big = (await waitForStatus(host, bigOnly.id, 'succeeded', 60_000)).result as FindDuplicatesResult
    expect([big.groupsTotal, big.hashed]).toEqual([1, 4])
  })

  it('refuses a folder that does not exist', async () => {
    const host = await startHost({ kinds: [] })
    expect(() => host.api.createJob({ kind: 'find-duplicates', params: { folder: join(tempDir(), 'gone') } })).toThrowError(/No such folder/)
    expect(() => host.api.createJob({ kind: 'find-duplicates', params: { folder: tempDir(), minSize: -1 } })).toThrowError(/minSize/)
  })
})

describe('move-duplicates kind', () => {
  it('moves the extra copies under the same paths, keeps one per group, deletes nothing, and skips a file changed since the scan', async () => {
    const host = await startHost({ kinds: [] })
    const { folder } = fixture()
    const scan = host.api.createJob({ kind: 'find-duplicates', params: { folder } })
    const found = (await waitForStatus(host, scan.id, 'succeeded', 60_000)).result as FindDuplicatesResult
    const before = [...contents(folder).values()].sort()

    writeFileSync(join(folder, 'backup', 'notes.txt'), 'SAME small text\n')
    const to = join(tempDir(), 'set aside')
    // A name already taken in the destination is never overwritten.
    mkdirSync(join(to, 'photos', '2024'), { recursive: true })
    writeFileSync(join(to, 'photos', '2024', 'a copy.jpg'), 'already here')
    // The oldest copy stays.
    utimesSync(join(folder, 'photos', 'a.jpg'), new Date('2020-01-01'), new Date('2020-01-01'))

    const move = host.api.createJob({ kind: 'move-duplicates', params: { folder, to, groups: found.groups, keep: 'oldest' } })
    const result = (await waitForStatus(host, move.id, 'succeeded', 60_000)).result as MoveDuplicatesResult
    expect(result).toEqual({
      moved: [
        { from: 'backup/a.jpg', to: join(to, 'backup', 'a.jpg') },
        { from: 'photos/2024/a copy.jpg', to: join(to, 'photos', '2024', 'a copy (2).jpg') },
      ],
      movedTotal: 2,
      bytesMoved: 600_000,
      kept: ['photos/a.jpg', 'notes.txt'],
      keptTotal: 2,
      skipped: [{ path: 'backup/notes.txt', reason: 'changed since the scan: it no longer matches its group' }],
      skippedTotal: 1,
    })
    expect(existsSync(join(folder, 'backup', 'a.jpg'))).toBe(false)
    expect(readFileSync(join(to, 'photos', '2024', 'a copy.jpg'), 'utf8')).toBe('already here')
    expect(statSync(join(to, 'photos', '2024', 'a copy (2).jpg')).size).toBe(300_000)
    expect(readFileSync(join(folder, 'backup', 'notes.txt'), 'utf8')).toBe('SAME small text\n')
    // Every file's content that was there is still somewhere (the one changed by hand still has a copy in notes.txt).
    const after = [...contents(folder).values(), ...contents(to).values()]
    for (const hash of before) expect(after).toContain(hash)
    expect(after.length).toBe(before.length + 1)
  })

  it('never moves the kept copy under another name: a hard link, a path through a linked folder, or one leading out', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const outside = tempDir()
    writeFileSync(join(folder, 'a.txt'), 'one copy\n')
    linkSync(join(folder, 'a.txt'), join(folder, 'a-link.txt'))
    symlinkSync(folder, join(folder, 'again'))
    writeFileSync(join(outside, 'a.txt'), 'one copy\n')
    symlinkSync(outside, join(folder, 'out'))
    const to = join(tempDir(), 'aside')
    const groups = [{ paths: ['a.txt', 'a-link.txt', 'again/a.txt', 'out/a.txt'] }]
    const move = host.api.createJob({ kind: 'move-duplicates', params: { folder, to, groups } })
    const result = (await waitForStatus(host, move.id, 'succeeded', 60_000)).result as MoveDuplicatesResult
    expect(result).toMatchObject({
      movedTotal: 0,
      kept: ['a.txt'],
      skipped: [
        { path: 'a-link.txt', reason: 'the same file as a.txt under another name' },
        { path: 'again/a.txt', reason: 'the same file as a.txt under another name' },
        { path: 'out/a.txt', reason: 'outside the folder through a link' },
      ],
    })
    expect(readFileSync(join(folder, 'a.txt'), 'utf8')).toBe('one copy\n')
    expect(readFileSync(join(outside, 'a.txt'), 'utf8')).toBe('one copy\n')
    expect(existsSync(to)).toBe(false)
  })

  it('a cancel stops between files: each copy is either moved whole or still in place', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const to = join(tempDir(), 'dups')
    const groups = Array.from({ length: 800 }, (_, i) => {
      const data = Buffer.alloc(32 * 1024, i % 251)
      data.writeUInt32LE(i)
      writeFileSync(join(folder, `${i}.bin`), data)
      writeFileSync(join(folder, `${i}-copy.bin`), data)
      return { paths: [`${i}.bin`, `${i}-copy.bin`], hash: sha(data) }
    })
    const job = host.api.createJob({ kind: 'move-duplicates', params: { folder, to, groups } })
    await waitFor(() => host.api.getJob({ id: job.id }).progress.fraction > 0, 'the move to begin', 60_000)
    host.api.cancelJob({ id: job.id })
    await waitForStatus(host, job.id, 'cancelled', 30_000)
    // The job is cancelled at once; its worker finishes the move under way, and only then are the folders still.
    await waitFor(() => !host.engine.isRunning(job.id), 'the cancelled attempt to end', 30_000)
    const left = contents(folder)
    const moved = contents(to)
    expect(moved.size).toBeGreaterThan(0)
    expect(left.size).toBeGreaterThan(800)
    for (const [i, group] of groups.entries()) {
      expect(left.get(`${i}.bin`)).toBe(group.hash)
      expect(left.get(`${i}-copy.bin`) ?? moved.get(`${i}-copy.bin`)).toBe(group.hash)
    }
    expect(left.size + moved.size).toBe(1600)
  })

  it.skipIf(!otherDevice)('across devices, copies, checks the copy, and only then removes the original', async () => {
    const host = await startHost({ kinds: [] })
    const { folder, big } = fixture()
    const to = mkdtempSync(join(otherDevice!, 'offload-test-'))
    try {
      const groups = [{ paths: ['photos/a.jpg', 'backup/a.jpg'], hash: sha(big), size: big.length }]
      const move = host.api.createJob({ kind: 'move-duplicates', params: { folder, to, groups } })
      const result = (await waitForStatus(host, move.id, 'succeeded', 60_000)).result as MoveDuplicatesResult
      expect(result.moved).toEqual([{ from: 'backup/a.jpg', to: join(to, 'backup', 'a.jpg') }])
      expect(existsSync(join(folder, 'backup', 'a.jpg'))).toBe(false)
      expect(sha(readFileSync(join(to, 'backup', 'a.jpg')))).toBe(sha(big))
      expect(readdirSync(join(to, 'backup'))).toEqual(['a.jpg'])
    } finally {
      rmSync(to, { recursive: true, force: true })
    }
  })

  it('refuses a destination inside the folder, a path leaving it, and a missing folder', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    const groups = [{ paths: ['a', 'b'] }]
    expect(() => host.api.createJob({ kind: 'move-duplicates', params: { folder, to: join(folder, 'dups'), groups } })).toThrowError(
      /Must not be inside the folder/,
    )
    expect(() => host.api.createJob({ kind: 'move-duplicates', params: { folder, to: tempDir(), groups: [{ paths: ['a', '../b'] }] } })).toThrowError(
      /Must be a path inside the folder/,
    )
    expect(() => host.api.createJob({ kind: 'move-duplicates', params: { folder: join(folder, 'gone'), to: tempDir(), groups } })).toThrowError(
      /No such folder/,
    )
  })
})
