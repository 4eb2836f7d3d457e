// Torture: allocates until the worker dies of it. Its worker's pid is appended to `pidFile`.
import { appendFileSync } from 'node:fs'

export default {
  name: 't-memory',
  description: 'Torture: allocates memory until it dies',
  params: (z) => z.object({ pidFile: z.string() }),
  async run({ pidFile }) {
    appendFileSync(pidFile, `${process.pid}\n`)
    const hoard = []
    for (let i = 0; ; i++) {
      hoard.push(new Array(1 << 17).fill(i + 0.5))
      // Yield now and then, so the worker still answers while its heap fills up.
      if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  },
}
