import { describe, expect, it } from 'vitest'
import { entryPath, linkTargetByName } from '../../src/main/kinds/archives/entry-path'

describe('archive entry names', () => {
  it('keeps a relative name, tidied', () => {
    expect(entryPath('a/b.txt')).toEqual({ ok: true, path: 'a/b.txt' })
    expect(entryPath('./a//b/./c/')).toEqual({ ok: true, path: 'a/b/c' })
    expect(entryPath('dir\\file.txt')).toEqual({ ok: true, path: 'dir/file.txt' })
    expect(entryPath('./')).toEqual({ ok: true, path: '' })
    expect(entryPath('..dots../x..')).toEqual({ ok: true, path: '..dots../x..' })
  })

  it('refuses names that lead out of the folder', () => {
    for (const name of ['../x', 'a/../../x', 'a/..', '..\\x', 'a\\..\\..\\x'])
      expect(entryPath(name)).toMatchObject({ ok: false, reason: expect.stringContaining('..') })
    for (const name of ['/etc/passwd', '\\server\\share', '//x']) expect(entryPath(name)).toEqual({ ok: false, reason: 'absolute path' })
    for (const name of ['C:/x', 'c:x', 'D:\\x']) expect(entryPath(name)).toEqual({ ok: false, reason: 'absolute path (drive letter)' })
    expect(entryPath('a\0b')).toMatchObject({ ok: false })
  })

  it('judges link targets from where the link is', () => {
    expect(linkTargetByName('a/b/link', '../c')).toEqual({ ok: true, path: 'a/c' })
    expect(linkTargetByName('a/link', '..')).toEqual({ ok: true, path: '' })
    expect(linkTargetByName('a/link', '../..')).toMatchObject({ ok: false, reason: expect.stringContaining('outside') })
    expect(linkTargetByName('link', '/etc')).toMatchObject({ ok: false, reason: expect.stringContaining('absolute') })
    expect(linkTargetByName('link', 'C:\\x')).toMatchObject({ ok: false })
    expect(linkTargetByName('link', '')).toMatchObject({ ok: false })
    // A separator on Windows: this one climbs out there.
    expect(linkTargetByName('a/link', '..\\..\\Users')).toMatchObject({ ok: false, reason: expect.stringContaining('backslash') })
  })
})
