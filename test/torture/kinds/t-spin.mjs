// Torture: an endless synchronous loop. Its worker's pid is appended to `pidFile` first.
import { appendFileSync } from 'node:fs'

export default {
  name: 't-spin',
  description: 'Torture: blocks its worker in a synchronous loop forever',
  params: (z) => z.object({ pidFile: z.string() }),
  run({ pidFile }) {
    appendFileSync(pidFile, `${process.pid}\n`)
    for (;;) {
      // spin
    }
  },
}
