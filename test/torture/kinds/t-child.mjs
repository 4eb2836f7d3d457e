// Torture: starts a long-lived child process carrying `marker` (in its argv[0] and its
// environment) and never hands it to Offload (no ownProcessGroup, no detached):
//   plain       spawn a `sleep 1000`; return once aborted, without killing it
//   background  `sh -c 'sleep 1000 &'`: the shell exits at once, its background sleep lives on; return once aborted
//   leave       spawn a `sleep 1000` and return at once, without waiting for it
import { spawn } from 'node:child_process'
import { appendFileSync } from 'node:fs'

export default {
  name: 't-child',
  description: 'Torture: leaves child processes behind',
  params: (z) => z.object({ marker: z.string(), mode: z.enum(['plain', 'background', 'leave']), pidFile: z.string().optional() }),
  async run({ marker, mode, pidFile }, ctx) {
    if (pidFile) appendFileSync(pidFile, `${process.pid}\n`)
    const env = { ...process.env, TORTURE_MARK: marker }
    let pid
    if (mode === 'background') {
      const sh = spawn('/bin/sh', ['-c', `sleep 1000 & echo $!; : ${marker}`], { env, stdio: ['ignore', 'pipe', 'ignore'] })
      let out = ''
      sh.stdout.on('data', (d) => (out += d))
      await new Promise((resolve) => sh.once('close', resolve))
      pid = Number(out.trim())
    } else {
      const child = spawn('sleep', ['1000'], { argv0: `sleep-${marker}`, env, stdio: 'ignore' })
      await new Promise((resolve, reject) => {
        child.once('spawn', resolve)
        child.once('error', reject)
      })
      pid = child.pid
    }
    ctx.log(`child ${pid} started`)
    if (mode === 'leave') return { pid }
    await new Promise((resolve) => {
      if (ctx.signal.aborted) return resolve()
      ctx.signal.addEventListener('abort', resolve, { once: true })
    })
    return { pid, aborted: true }
  },
}
