import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerInfo } from '../src/shared/server-info'
import { ROOT, tempDir, waitForServerInfo } from './helpers'

/** The built command (the test run's global setup builds it), exactly as `offload` runs it. */
export const CLI = join(ROOT, 'bin', 'offload.js')

export interface Run {
  code: number | null
  stdout: string
  stderr: string
  /** When each chunk of stdout arrived, from the start, with its text. */
  chunks: { at: number; text: string }[]
  ms: number
}

export function offload(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = Date.now()
    // A clean environment: no OFFLOAD_* from the test runner's shell, no colour, a home without a server;
    // the runner's time zone is kept so times the CLI prints match times a test formats.
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: tempDir('offload-home-'),
      NO_COLOR: '1',
      ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
      ...options.env,
    }
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const run: Run = { code: null, stdout: '', stderr: '', chunks: [], ms: 0 }
    child.stdout.on('data', (d: Buffer) => {
      run.stdout += d.toString()
      run.chunks.push({ at: Date.now() - start, text: d.toString() })
    })
    child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`offload ${args.join(' ')} did not end: ${run.stdout}${run.stderr}`))
    }, options.timeoutMs ?? 20_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      run.code = code
      run.ms = Date.now() - start
      resolve(run)
    })
  })
}

/** A built headless server on its own data folder, for a whole test file (the helpers' servers end with each test). */
export interface FileServer {
  child: ChildProcess
  info: ServerInfo
  data: string
  call: (method: string, path: string) => Promise<unknown>
  stop: () => void
}

export async function startFileServer(): Promise<FileServer> {
  // Not tempDir(): that one goes after each test, and this folder serves them all.
  const data = mkdtempSync(join(tmpdir(), 'offload-cli-'))
  const child = spawn(process.execPath, [join(ROOT, 'out', 'main', 'headless.js'), '--data', data, '--port', '0'], { stdio: 'ignore' })
  const info = await waitForServerInfo(data, child)
  const call = async (method: string, path: string): Promise<unknown> =>
    (await fetch(info.url + path, { method, headers: { authorization: `Bearer ${info.token}` } })).json()
  // The tests load this machine themselves: adaptive concurrency would start fewer jobs than a test counts on.
  const steady = await fetch(`${info.url}/api/settings`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ adaptiveConcurrency: false }),
  })
  if (steady.status !== 200) throw new Error(`Could not turn adaptive concurrency off: ${steady.status} ${await steady.text()}`)
  const stop = (): void => {
    child.kill('SIGKILL')
    rmSync(data, { recursive: true, force: true })
  }
  return { child, info, data, call, stop }
}

/**
 * The real bash completion: writes `offload completion bash` to a script and
 * returns a function giving what it offers for a command line's words (the
 * last one being completed).
 */
export async function bashCompletion(): Promise<(...words: string[]) => Promise<string>> {
  const script = join(tempDir(), 'offload.bash')
  writeFileSync(script, (await offload(['completion', 'bash'])).stdout)
  return async (...words) => {
    const line = `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _offload; echo "\${COMPREPLY[*]}"`
    const child = spawn('bash', ['-c', line], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    await new Promise((resolve) => child.on('exit', resolve))
    return out.trim()
  }
}
