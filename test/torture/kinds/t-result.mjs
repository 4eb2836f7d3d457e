// Torture: results that cannot be stored: a BigInt, a cycle, 5 MB.
export default {
  name: 't-result',
  description: 'Torture: returns an unstorable result',
  params: (z) => z.object({ what: z.enum(['bigint', 'cycle', 'huge']) }),
  run({ what }) {
    if (what === 'bigint') return { count: 12345678901234567890n }
    if (what === 'cycle') {
      const node = { name: 'loop' }
      node.next = { back: node }
      return node
    }
    return { blob: 'x'.repeat(5 * 1024 * 1024) }
  },
}
