import { describe, expect, it } from 'vitest'
import { isInside } from '../../src/main/kinds/path-params'

describe('isInside', () => {
  it('tells a path under a folder, by name, from one beside or above it', () => {
    expect(isInside('/photos', '/photos')).toBe(true)
    expect(isInside('/photos/2024/a.jpg', '/photos')).toBe(true)
    // Two dots that start a name are not a step up.
    expect(isInside('/photos/..dups', '/photos')).toBe(true)
    expect(isInside('/photos-old', '/photos')).toBe(false)
    expect(isInside('/', '/photos')).toBe(false)
    expect(isInside('/photos/../elsewhere', '/photos')).toBe(false)
  })
})
