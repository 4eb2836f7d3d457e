// Torture: ignores its abort signal; only a kill stops it. Its worker's pid is appended to `pidFile`.
import { appendFileSync } from 'node:fs'

export default {
  name: 't-stubborn',
  description: 'Torture: ignores cancel',
  params: (z) => z.object({ pidFile: z.string(), ms: z.number().int().default(120_000) }),
  async run({ pidFile, ms }) {
    appendFileSync(pidFile, `${process.pid}\n`)
    await new Promise((resolve) => setTimeout(resolve, ms))
    return 'finished anyway'
  },
}
