import { describe, expect, it } from 'vitest'
import { BatchProgress } from '../../src/main/kinds/download/batch-progress'
import { isPlainName, nameCandidates, nameFromContentDisposition, nameFromUrl, sanitiseName } from '../../src/main/kinds/download/file-name'

describe('download file names', () => {
  it('takes the last path segment of the URL, decoded, without its query', () => {
    expect(nameFromUrl('https://example.com/a/b/report%20final.pdf?x=1#top')).toBe('report final.pdf')
    expect(nameFromUrl('https://example.com/a/b%2F..%2Fc')).toBe('b_.._c')
    expect(nameFromUrl('https://example.com/dir/')).toBe('download')
    expect(nameFromUrl('https://example.com')).toBe('download')
    expect(nameFromUrl('https://example.com/%E0%A4%A')).toBe('%E0%A4%A')
  })

  it('never yields a path, a dot name, an empty name or one too long to create', () => {
    expect(sanitiseName('../../etc/passwd')).toBe('.._.._etc_passwd')
    expect(sanitiseName('..')).toBe('download')
    expect(sanitiseName('.')).toBe('download')
    expect(sanitiseName('  ')).toBe('download')
    expect(sanitiseName('a\u0000b\nc')).toBe('abc')
    expect(sanitiseName('C:\\temp\\x.txt')).toBe('C__temp_x.txt')
    expect(sanitiseName('what?.txt. ')).toBe('what_.txt')
    const long = sanitiseName(`${'é'.repeat(300)}.tar`)
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(200)
    expect(long.endsWith('é.tar')).toBe(true)
  })

  it('reads Content-Disposition: filename* wins, quoted names unescape, junk gives nothing', () => {
    expect(nameFromContentDisposition(`attachment; filename="plain.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`)).toBe('résumé.pdf')
    expect(nameFromContentDisposition(`attachment; filename*=iso-8859-1'en'%E9t%E9.txt`)).toBe('été.txt')
    expect(nameFromContentDisposition('attachment; filename="say \\"hi\\".txt"')).toBe('say _hi_.txt')
    expect(nameFromContentDisposition('attachment; filename=data.csv; size=12')).toBe('data.csv')
    expect(nameFromContentDisposition('attachment; filename="../../x"')).toBe('.._.._x')
    expect(nameFromContentDisposition('inline')).toBeNull()
    expect(nameFromContentDisposition('attachment; filename=""')).toBeNull()
    expect(nameFromContentDisposition(null)).toBeNull()
  })

  it('refuses given names that are not plain, and numbers clashes before the extension', () => {
    expect(['a.txt', '.hidden', 'a b (1).zip'].every(isPlainName)).toBe(true)
    expect(['..', '.', 'a/b', 'a\\b', 'a\u0001', 'x'.repeat(201)].some(isPlainName)).toBe(false)
    expect([...nameCandidates('report.pdf', 3)]).toEqual(['report.pdf', 'report (2).pdf', 'report (3).pdf'])
    expect([...nameCandidates('.bashrc', 2)]).toEqual(['.bashrc', '.bashrc (2)'])
  })
})

describe('download progress', () => {
  it('counts bytes across the batch, guessing unknown sizes from the known ones', () => {
    const seen: [number, string][] = []
    const progress = new BatchProgress(3, (fraction, message) => seen.push([fraction, message]))
    progress.size(0, 1024 * 1024)
    progress.at(0, 512 * 1024)
    expect(seen.at(-1)).toEqual([512 / 3072, '512.0 KiB of at least 1.0 MiB · 0 of 3 files'])
    progress.done(0, 1024 * 1024)
    progress.size(1, 3 * 1024 * 1024)
    progress.done(2, 0)
    progress.at(1, 0)
    expect(seen.at(-1)).toEqual([0.25, '1.0 MiB of 4.0 MiB · 2 of 3 files'])
    progress.done(1, 3 * 1024 * 1024)
    expect(seen.at(-1)).toEqual([1, '4.0 MiB of 4.0 MiB · 3 of 3 files'])
  })
})
