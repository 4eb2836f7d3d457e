import { describe, expect, it } from 'vitest'
import { jsonShapeProblem, MAX_JSON_DEPTH } from '../../src/shared/json-shape'

function nested(depth: number): unknown {
  let value: unknown = 'leaf'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value }
  return value
}

describe('the shape check on client JSON', () => {
  it('takes ordinary values, up to the depth limit', () => {
    expect(jsonShapeProblem({ command: 'ls', args: ['-l'], env: { A: '1' } })).toBeUndefined()
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH))).toBeUndefined()
    expect(jsonShapeProblem('text')).toBeUndefined()
    expect(jsonShapeProblem(null)).toBeUndefined()
  })

  it('names where nesting goes too deep, without overflowing its own stack', () => {
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH + 1))).toMatchObject({ message: `Nested more than ${MAX_JSON_DEPTH} levels deep` })
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000))
    expect(jsonShapeProblem(deep)?.path).toMatch(/^0(\.0)+$/)
  })

  it('refuses a __proto__ key at any depth, which a copy would silently drop', () => {
    const body = JSON.parse('{"params": {"list": [{"__proto__": {"polluted": true}}]}}')
    expect(jsonShapeProblem(body)).toEqual({ path: 'params.list.0', message: 'The key "__proto__" is not allowed' })
    expect(jsonShapeProblem({ constructor: 'fine', prototype: 'fine' })).toBeUndefined()
  })
})
