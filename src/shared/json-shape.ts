/** Deepest nesting of objects and arrays accepted from a client; real params nest a handful of levels. */
export const MAX_JSON_DEPTH = 64

export interface ShapeProblem {
  /** Where, as dotted keys ("params.a.0.b"); empty for the value itself. */
  path: string
  message: string
}

interface Node {
  value: unknown
  depth: number
  key: string
  parent: Node | undefined
}

function pathOf(node: Node): string {
  const keys: string[] = []
  for (let n: Node | undefined = node; n?.parent; n = n.parent) keys.push(n.key)
  return keys.reverse().join('.')
}

/**
 * Why a parsed JSON value can't be accepted, or undefined: nested deeper than
 * `maxDepth` (serializing it again would overflow the stack), or a
 * "__proto__" key, which copying the object would silently turn into its
 * prototype. Walks with its own stack, so no depth can overflow it.
 */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): ShapeProblem | undefined {
  const stack: Node[] = [{ value, depth: 0, key: '', parent: undefined }]
  for (let node = stack.pop(); node; node = stack.pop()) {
    const v = node.value
    if (typeof v !== 'object' || v === null) continue
    if (node.depth >= maxDepth) return { path: pathOf(node), message: `Nested more than ${maxDepth} levels deep` }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ value: v[i], depth: node.depth + 1, key: String(i), parent: node })
      continue
    }
    for (const key of Object.keys(v)) {
      if (key === '__proto__') return { path: pathOf(node), message: 'The key "__proto__" is not allowed' }
      stack.push({ value: (v as Record<string, unknown>)[key], depth: node.depth + 1, key, parent: node })
    }
  }
  return undefined
}
