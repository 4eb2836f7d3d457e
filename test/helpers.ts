import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import type { Job, JobStatus } from '../src/shared/job'
import { createForkLauncher } from '../src/main/node/fork-launcher'
import { openHost, type Host, type HostTuning } from '../src/main/engine/host'
import type { MachineProbes } from '../src/main/engine/admission'
import type { Clock } from '../src/main/engine/engine'
import { createHttpServer } from '../src/main/headless/http-server'
import type { ServerInfo } from '../src/shared/server-info'
import { resolveWorkerEntry } from '../src/main/headless/worker-entry'

export const ROOT = join(import.meta.dirname, '..')
export const FIXTURE_KINDS = join(import.meta.dirname, 'fixtures', 'kinds')
export const WORKER = resolveWorkerEntry(join(ROOT, 'src', 'main', 'headless'))

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A fresh folder removed after the test. */
export function tempDir(prefix = 'offload-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A data folder holding the given fixture kinds (all of them by default). */
export function dataDirWithKinds(kinds?: string[]): string {
  const dir = tempDir()
  cpSync(FIXTURE_KINDS, join(dir, 'kinds'), {
    recursive: true,
    filter: (src) => !kinds || src === FIXTURE_KINDS || kinds.some((k) => src.endsWith(`/${k}`)),
  })
  return dir
}

export const FAST: HostTuning = {
  backoffBaseMs: 20,
  backoffCapMs: 100,
  killGraceMs: 500,
  flushMs: 50,
  eventMs: 20,
}

/** A machine with memory to spare and nothing else to do: tests on a loaded machine must not be throttled by it. */
export const CALM_MACHINE: MachineProbes = {
  memory: () => ({ freeBytes: 8 * 1024 ** 3, totalBytes: 16 * 1024 ** 3 }),
  load: () => ({ load: 0, cores: 4, steal: null }),
}

/** A whole engine on a temp data folder with real worker processes; closed after the test. */
export async function startHost(
  options: { dataDir?: string; kinds?: string[]; engine?: HostTuning; clock?: Clock; machine?: MachineProbes } = {},
): Promise<Host & { dataDir: string }> {
  const dataDir = options.dataDir ?? dataDirWithKinds(options.kinds)
  const host = await openHost({
    dataDir,
    launcher: createForkLauncher(WORKER),
    engine: { ...FAST, ...options.engine },
    machine: options.machine ?? CALM_MACHINE,
    ...(options.clock ? { clock: options.clock } : {}),
  })
  cleanups.push(() => host.close(0))
  return Object.assign(host, { dataDir })
}

const API_TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz'

/** The host's API over HTTP on a free port, and a JSON client for it; closed after the test. */
export async function httpApi(host: Host) {
  const http = createHttpServer({ handlers: host.handlers, subscribe: (l) => host.engine.subscribe(l), token: API_TOKEN })
  cleanups.push(() => http.close())
  const base = `http://127.0.0.1:${await http.listen(0)}`
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
}

type Maybe<T> = T | undefined | false | null

/** Polls `check` (which may be async) until it gives something truthy. */
export async function waitFor<T>(check: () => Maybe<T> | Promise<Maybe<T>>, what: string | (() => string), timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export function waitForStatus(host: Host, id: string, status: JobStatus | JobStatus[], timeoutMs?: number): Promise<Job> {
  const wanted = Array.isArray(status) ? status : [status]
  return waitFor(
    () => {
      const job = host.api.getJob({ id: id })
      return wanted.includes(job.status) && job
    },
    () => `job ${id} to be ${wanted.join(' or ')} (it is ${host.api.getJob({ id: id }).status})`,
    timeoutMs,
  )
}

/** The server.json a headless server with this pid wrote into `dataDir`, once it has. */
export function waitForServerInfo(dataDir: string, child: ChildProcess, describeExit = (): string => ''): Promise<ServerInfo> {
  return waitFor(() => {
    if (child.exitCode !== null) throw new Error(`The server exited (${child.exitCode}) ${describeExit()}`)
    try {
      const parsed = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as ServerInfo
      return parsed.pid === child.pid && parsed
    } catch {
      return false
    }
  }, 'the server to write server.json')
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Pids of live processes whose command line or environment holds `needle` (a marker a test gave them). */
export function processesMatching(needle: string): number[] {
  const found: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1')
      // A zombie has exited; only its parent's wait is missing.
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue
      if (readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(needle) || readFileSync(`/proc/${name}/environ`, 'latin1').includes(needle)) {
        found.push(Number(name))
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found
}

/** A string no other process carries, for finding what a test started. */
export function uniqueMarker(): string {
  return `offload-test-${process.pid}-${Math.random().toString(36).slice(2)}`
}

const SERVE = join(ROOT, 'src', 'main', 'headless', 'serve.ts')
const servers: ChildProcess[] = []
afterEach(() => {
  for (const child of servers.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

export type ServeProcess = ChildProcess & { output: () => string }

/** `npm run serve` as a child process (from source), killed after the test if still running. */
export function serve(args: string[]): ServeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  servers.push(child)
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  return Object.assign(child, { output: () => output })
}

export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

/** A headless server on a free port over `dataDir`, and a JSON client for it. */
export async function startServer(dataDir: string, extra: string[] = []) {
  const child = serve(['--data', dataDir, '--port', '0', ...extra])
  const info = await waitForServerInfo(dataDir, child, child.output)
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(info.url + path, {
      method,
      headers: { authorization: `Bearer ${info.token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return (await res.json()) as Record<string, never>
  }
  // The tests load this machine themselves: adaptive concurrency would start fewer jobs than a test counts on.
  await call('PUT', '/api/settings', { adaptiveConcurrency: false })
  return { child, info, call }
}
