/**
 * What the torture parts share: starting and killing real headless servers,
 * finding the processes they (and their jobs) left behind by scanning /proc,
 * a seeded random generator, the time budget, and the figures line.
 *
 * Every process a torture test starts is marked: a server gets the
 * environment variable OFFLOAD_TORTURE=<tag> (one tag per launch), which its
 * workers and their job processes inherit; job commands also carry a marker
 * string in their command line or environment. Survivors are found by those
 * marks, never by parent pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServerInfo } from '../../src/shared/server-info'
import { ROOT } from '../helpers'

export const SERVE = join(ROOT, 'src', 'main', 'headless', 'serve.ts')
export const TORTURE_KINDS = join(import.meta.dirname, 'kinds')
/** Inherited by a server's workers and every process their jobs start. */
export const TAG_ENV = 'OFFLOAD_TORTURE'

// ── Time budget ──────────────────────────────────────────────────────────

/** TORTURE_MINUTES=<n> asks for a long run of about n minutes in all; unset (or 0) is the short CI run. */
export const LONG_MINUTES = (() => {
  const n = Number(process.env.TORTURE_MINUTES ?? '')
  return Number.isFinite(n) && n > 0 ? n : 0
})()
export const LONG = LONG_MINUTES > 0

/**
 * Of a long run, the seconds this part should fill: the fixed parts (faults,
 * storage) take about a minute; crash gets two thirds of the rest, fuzz one third.
 */
export function longBudgetSeconds(part: 'crash' | 'fuzz'): number {
  const rest = Math.max(60, LONG_MINUTES * 60 - 60)
  return part === 'crash' ? (rest * 2) / 3 : rest / 3
}

// ── Figures ──────────────────────────────────────────────────────────────

export function printFigures(part: string, figures: Record<string, unknown>): void {
  console.log(`torture:${part} ${JSON.stringify(figures)}`)
}

// ── Randomness ───────────────────────────────────────────────────────────

export interface Rng {
  seed: number
  /** [0, 1) */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  string(length: number, alphabet?: string): string
}

/** mulberry32: small, fast and good enough to make a failure reproducible from its seed. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    string: (length, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') => {
      let s = ''
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)]
      return s
    },
  }
}

/** TORTURE_SEED=<n> replays a run; otherwise a fresh seed (printed with the figures). */
export function seedFromEnv(): number {
  const given = Number(process.env.TORTURE_SEED ?? '')
  return Number.isInteger(given) && given > 0 ? given : randomBytes(4).readUInt32LE(0) || 1
}

// ── Folders and marks ────────────────────────────────────────────────────

export function mark(prefix = 'torture'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`
}

const madeDirs: string[] = []

/** A fresh folder; removed by removeTempDirs(). */
export function tempFolder(part: string): string {
  const dir = mkdtempSync(join(tmpdir(), `offload-torture-${part}-`))
  madeDirs.push(dir)
  return dir
}

export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** A data folder whose kinds/ holds the torture fault kinds. */
export function dataFolderWithTortureKinds(part: string): string {
  const dir = tempFolder(part)
  mkdirSync(join(dir, 'kinds'))
  cpSync(TORTURE_KINDS, join(dir, 'kinds'), { recursive: true })
  return dir
}

// ── Servers ──────────────────────────────────────────────────────────────

export interface ServerProcess {
  child: ChildProcess
  dataDir: string
  /** The OFFLOAD_TORTURE value of this launch: its workers and job processes carry it too. */
  tag: string
  output(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  startedAt: number
}

export interface RunningServer extends ServerProcess {
  info: ServerInfo
  call: ApiCall
}

export interface ApiResponse {
  status: number
  body: any
  text: string
}

export type ApiCall = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>

const launched: ServerProcess[] = []
const launchTags: string[] = []

/** Starts `node --import tsx serve.ts --data <dir> ...` without waiting for it. */
export function spawnServer(dataDir: string, args: string[] = [], env: Record<string, string> = {}): ServerProcess {
  const tag = mark('launch')
  launchTags.push(tag)
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE, '--data', dataDir, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, [TAG_ENV]: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const server: ServerProcess = { child, dataDir, tag, output: () => output, exited, startedAt: Date.now() }
  launched.push(server)
  return server
}

/** The server.json this child wrote, once it has; throws if the child exits first. */
export async function waitForInfo(server: ServerProcess, timeoutMs = 30_000): Promise<ServerInfo> {
  return waitUntil(
    () => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        throw new Error(`The server exited (${server.child.exitCode ?? server.child.signalCode}) before serving:\n${server.output()}`)
      }
      try {
        const info = JSON.parse(readFileSync(join(server.dataDir, 'server.json'), 'utf8')) as ServerInfo
        return info.pid === server.child.pid ? info : undefined
      } catch {
        return undefined
      }
    },
    'the server to write server.json',
    timeoutMs,
    10,
  )
}

export function apiClient(info: Pick<ServerInfo, 'url' | 'token'>): ApiCall {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(info.url + path, {
      method,
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    let parsed: unknown = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = null
    }
    return { status: res.status, body: parsed, text }
  }
}

export async function startServer(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunningServer> {
  const server = spawnServer(dataDir, ['--port', '0', ...args], env)
  const info = await waitForInfo(server)
  const call = apiClient(info)
  // This machine is loaded by the tests themselves: adaptive concurrency would start fewer jobs than a test counts on.
  // A storage fault may refuse it; those tests count on one job at a time anyway.
  await call('PUT', '/api/settings', { adaptiveConcurrency: false })
  return Object.assign(server, { info, call })
}

export async function kill9(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
  await server.exited
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. Resolves with the exit code (null if it had to be killed). */
export async function stopServer(server: ServerProcess, graceMs = 15_000): Promise<number | null> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return server.child.exitCode
  server.child.kill('SIGTERM')
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs)
  const { code } = await server.exited
  clearTimeout(timer)
  return code
}

/**
 * Kills every server this file started and every process still carrying one
 * of their tags (workers, job processes): only what these tests started.
 */
export async function killEverything(extraMarkers: string[] = []): Promise<void> {
  for (const server of launched.splice(0)) await kill9(server)
  const tags = new Set(launchTags)
  for (const proc of processes()) {
    if (proc.env.some((e) => e.startsWith(`${TAG_ENV}=`) && tags.has(e.slice(TAG_ENV.length + 1))) || extraMarkers.some((m) => carries(proc, m))) {
      try {
        process.kill(proc.pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
  }
}

// ── Processes ────────────────────────────────────────────────────────────

export interface Proc {
  pid: number
  ppid: number
  /** R, S, D, Z, T … from /proc/<pid>/stat */
  state: string
  cmdline: string
  env: string[]
  /** utime + stime, in clock ticks */
  cpuTicks: number
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ')
    let env: string[] = []
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    } catch {
      // another user's process, or gone
    }
    return { pid, state: fields[0]!, ppid: Number(fields[1]), cmdline, env, cpuTicks: Number(fields[11]) + Number(fields[12]) }
  } catch {
    return undefined
  }
}

/** Every live (non-zombie) process but this one. */
export function processes(): Proc[] {
  const procs: Proc[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    if (pid === process.pid) continue
    const proc = readProc(pid)
    if (proc && proc.state !== 'Z' && proc.state !== 'X') procs.push(proc)
  }
  return procs
}

/** Whether the process carries `marker` in its command line or its environment. */
export function carries(proc: Proc, marker: string): boolean {
  return proc.cmdline.includes(marker) || proc.env.some((e) => e.includes(marker))
}

/** Live processes of one server launch (its workers and their jobs' processes), by the tag they inherited. */
export function taggedProcesses(tag: string): Proc[] {
  const entry = `${TAG_ENV}=${tag}`
  return processes().filter((p) => p.env.includes(entry))
}

export function markedProcesses(marker: string): Proc[] {
  return processes().filter((p) => carries(p, marker))
}

export const isWorker = (p: Proc): boolean => /offload-worker-\d+/.test(p.cmdline)

/** Confirms with ps(1) that these processes are really alive, for the failure message. */
export function psEvidence(pids: number[]): string {
  if (pids.length === 0) return '(none)'
  try {
    return execFileSync('ps', ['-o', 'pid,ppid,pgid,stat,etime,pcpu,args', '-p', pids.join(',')], { encoding: 'utf8' }).trimEnd()
  } catch (error) {
    return `ps found none of ${pids.join(',')} (${(error as Error).message.split('\n')[0]})`
  }
}

export function describeProcs(procs: Proc[]): string {
  return procs.length === 0 ? '(none)' : psEvidence(procs.map((p) => p.pid))
}

/** Share of one core each process used over `ms`. */
export async function cpuShares(pids: number[], ms = 500): Promise<Map<number, number>> {
  const before = new Map(pids.map((pid) => [pid, readProc(pid)?.cpuTicks]))
  await sleep(ms)
  const shares = new Map<number, number>()
  for (const pid of pids) {
    const a = before.get(pid)
    const b = readProc(pid)?.cpuTicks
    if (a !== undefined && b !== undefined) shares.set(pid, (b - a) / 100 / (ms / 1000))
  }
  return shares
}

export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
}

// ── Waiting ──────────────────────────────────────────────────────────────

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns something truthy; throws with `what` after the deadline. */
export async function waitUntil<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string | (() => string),
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)
    await sleep(intervalMs)
  }
}

/** Like waitUntil, but says whether the condition came true instead of throwing. */
export async function becomes(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) return false
    await sleep(intervalMs)
  }
}

// ── Output checks ────────────────────────────────────────────────────────

/** Lines that look like a JavaScript stack trace or an uncaught-error dump. */
export function stackTraceLines(output: string): string[] {
  return output.split('\n').filter((l) => /^\s+at\s/.test(l) || /^\s*(Uncaught|node:internal|file:\/\/\/.*:\d+$)/.test(l) || /^\s*\^+\s*$/.test(l))
}

export function nonEmptyLines(output: string): string[] {
  return output.split('\n').filter((l) => l.trim() !== '')
}
