import { execFile, spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { createInterface } from 'node:readline'
import { signalProcessGroup } from '../../common/process-group'
import { JobFailure, type JobContext } from '../kind'
import { describeProgress, durationFromLine, progressReader } from './ffmpeg-progress'

const STDERR_TAIL_LINES = 20
const KILL_GRACE_MS = 2000
const PROBE_TIMEOUT_MS = 30_000

export const INSTALL_HINT =
  'install it (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) and make sure it is on the PATH'

/** `name` as the worker's PATH finds it, or null: a look at a few folders, far cheaper than starting it. */
export function findTool(name: string, path = process.env.PATH ?? ''): string | null {
  const names = process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`] : [name]
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    for (const file of names) {
      try {
        accessSync(join(dir, file), constants.X_OK)
        return join(dir, file)
      } catch {
        // Not here.
      }
    }
  }
  return null
}

/** The input's length in seconds by ffprobe, or null when it can't say (ffmpeg's own stderr may still). */
export function probeDuration(ffprobe: string, input: string, signal: AbortSignal): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(
      ffprobe,
      ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', input],
      { signal, timeout: PROBE_TIMEOUT_MS },
      (error, stdout) => {
        const seconds = Number.parseFloat(stdout)
        resolve(!error && Number.isFinite(seconds) && seconds > 0 ? seconds : null)
      },
    )
  })
}

/**
 * Runs ffmpeg in its own process group (handed to Offload, so a cancel, a
 * timeout or a crashed worker takes it down), reporting its progress; on
 * abort it is stopped, politely then not. Throws a JobFailure with the end
 * of its stderr if it fails. Gives the input's length, when known.
 */
export async function runFfmpeg(ffmpeg: string, args: string[], knownDuration: number | null, ctx: JobContext): Promise<number | null> {
  const child = spawn(ffmpeg, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
  } catch (error) {
    throw new JobFailure('missing_tool', `Could not start ffmpeg (${(error as Error).message}): ${INSTALL_HINT}`)
  }
  const pid = child.pid!
  ctx.ownProcessGroup(pid)

  let duration = knownDuration
  const tail: string[] = []
  createInterface({ input: child.stderr }).on('line', (line) => {
    duration ??= durationFromLine(line)
    tail.push(line)
    if (tail.length > STDERR_TAIL_LINES) tail.shift()
  })
  createInterface({ input: child.stdout }).on(
    'line',
    progressReader((block) => {
      const { fraction, message } = describeProgress(block, duration)
      ctx.progress(block.end ? 1 : (fraction ?? 0), message)
    }),
  )

  let escalation: NodeJS.Timeout | undefined
  const onAbort = (): void => {
    signalProcessGroup(pid, 'SIGTERM')
    escalation = setTimeout(() => signalProcessGroup(pid, 'SIGKILL'), KILL_GRACE_MS)
  }
  if (ctx.signal.aborted) onAbort()
  else ctx.signal.addEventListener('abort', onAbort, { once: true })
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])))
  ctx.signal.removeEventListener('abort', onAbort)
  clearTimeout(escalation)
  signalProcessGroup(pid, 'SIGKILL')

  ctx.signal.throwIfAborted()
  if (code !== 0) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
    const last = tail.filter((l) => l.trim() !== '')
    throw new JobFailure('exit_code', `ffmpeg ${how}${last.length > 0 ? `: ${last.at(-1)}` : ''}`, { exitCode: code, signal, stderr: last })
  }
  return duration
}
