import { describe, expect, it } from 'vitest'
import { PAGE_SIZE, withoutIds } from '../../../src/renderer/src/state/jobs-store'

const ids = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `j${from + i}`)

describe('taking jobs out of the loaded pages', () => {
  it('closes up each run of consecutive pages so every row keeps its index', () => {
    const pages = { 0: ids(0, PAGE_SIZE), 1: ids(PAGE_SIZE, PAGE_SIZE), 5: ids(5 * PAGE_SIZE, PAGE_SIZE) }
    const { pages: out, removed } = withoutIds(pages, new Set(['j3', 'j150', 'j501', 'elsewhere']))
    expect(removed).toBe(3)
    expect(out[0]).toEqual([...ids(0, 3), ...ids(4, PAGE_SIZE - 3)])
    // Page 1 moved up by the one row page 0 lost, and by its own.
    expect(out[1]![0]).toBe(`j${PAGE_SIZE + 1}`)
    expect(out[1]).not.toContain('j150')
    expect(out[1]).toHaveLength(PAGE_SIZE - 2)
    expect(out[5]).toEqual(ids(5 * PAGE_SIZE, PAGE_SIZE).filter((id) => id !== 'j501'))
  })

  it('leaves the pages as they were when none of the ids is loaded', () => {
    const pages = { 2: ids(200, 40) }
    expect(withoutIds(pages, new Set(['nope']))).toEqual({ pages, removed: 0 })
  })
})
