import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { MAX_ATTEMPTS, MAX_CONCURRENCY, MAX_TIMEOUT_MS, PRIORITIES, type Priority } from '../../shared/job'
import type { Context } from './context'
import { CliError } from './errors'
import { parseDuration } from './output'
import { paramsFrom } from './params'

/** The flags that say what a job is, shared by `add` and `schedule add`. */
export interface JobSpecOptions {
  param: string[]
  paramsJson?: string
  name?: string
  env: string[]
}

export interface JobSpec {
  kind: string
  params: Record<string, unknown>
  name?: string
}

/** `--env NAME` passes the variable as it is here; `--env NAME=value` sets it. */
function envFrom(entries: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  if (entries.length === 0) return undefined
  const out: Record<string, string> = {}
  for (const entry of entries) {
    const at = entry.indexOf('=')
    if (at === 0) throw new CliError(`--env ${entry}: write NAME or NAME=value`)
    if (at > 0) out[entry.slice(0, at)] = entry.slice(at + 1)
    else if (env[entry] === undefined) throw new CliError(`--env ${entry}: there is no ${entry} here to pass on`)
    else out[entry] = env[entry]
  }
  return out
}

/**
 * The job a command line asks for: a kind with `--param k=v …`, or `-- <command>
 * [args…]` for a shell job run where you are. Params are checked against the
 * kind's schema here first, so a mistake is named before anything is sent.
 * `usage` is the command as it is typed, for the message when nothing follows `--`.
 */
export async function jobSpec(
  ctx: Context,
  kind: string | undefined,
  command: readonly string[] | undefined,
  options: JobSpecOptions,
  usage: string,
): Promise<JobSpec> {
  const { kinds } = await ctx.api.listKinds({})
  const named = options.name !== undefined ? { name: options.name } : {}
  if (command !== undefined) {
    if (kind !== undefined) throw new CliError(`Give a kind or a command after --, not both (got "${kind}" and "${command.join(' ')}")`)
    if (command.length === 0) throw new CliError(`Nothing after --: ${usage} -- <command> [args…]`)
    if (options.param.length > 0 || options.paramsJson !== undefined)
      throw new CliError('--param and --params-json are for a kind; after -- comes the command itself')
    const env = envFrom(options.env, ctx.io.env)
    // Several words are run as given, without a shell to read them again; one runs through /bin/sh (so "make && make install"
    // works), unless it names a program here ("./my script.sh" has a space a shell would split it at).
    const direct = command.length > 1 || existsSync(resolve(ctx.io.cwd, command[0]!))
    const params = { command: command[0]!, ...(direct ? { args: command.slice(1) } : {}), cwd: ctx.io.cwd, ...(env ? { env } : {}) }
    return { kind: 'shell', params, name: options.name ?? command.join(' ').slice(0, 200) }
  }
  if (kind === undefined) throw new CliError('Give a kind (offload kinds lists them), or -- and a command')
  if (options.env.length > 0) throw new CliError('--env is for a command after --; a kind takes its environment as a param if it has one')
  const info = kinds.find((k) => k.name === kind)
  if (!info) throw new CliError(`No job kind "${kind}"; known kinds: ${kinds.map((k) => k.name).join(', ')}`)
  return { kind, params: paramsFrom(info, options.param, options.paramsJson), ...named }
}

export interface TryLimitOptions {
  priority?: string
  timeout?: string
  attempts?: string
}

export type TryLimits = { priority?: Priority; timeoutMs?: number; maxAttempts?: number }

/** `--priority`, `--timeout` and `--attempts`, checked as the API would, with the flag named. */
export function tryLimits(options: TryLimitOptions): TryLimits {
  const out: TryLimits = {}
  if (options.priority !== undefined) {
    if (!(PRIORITIES as readonly string[]).includes(options.priority))
      throw new CliError(`--priority: one of ${PRIORITIES.join(', ')}, got "${options.priority}"`)
    out.priority = options.priority as Priority
  }
  if (options.timeout !== undefined) {
    const ms = parseDuration(options.timeout)
    if (ms === null || ms < 1) throw new CliError(`--timeout: a duration such as 90s, 5m or 1h30m, got "${options.timeout}"`)
    if (ms > MAX_TIMEOUT_MS) throw new CliError(`--timeout: at most ${MAX_TIMEOUT_MS / 86_400_000} days, got "${options.timeout}"`)
    out.timeoutMs = ms
  }
  if (options.attempts !== undefined) {
    const n = Number(options.attempts)
    if (!Number.isInteger(n) || n < 1 || n > MAX_ATTEMPTS) throw new CliError(`--attempts: a whole number from 1 to ${MAX_ATTEMPTS}, got "${options.attempts}"`)
    out.maxAttempts = n
  }
  return out
}

/** `--limit` and `--slots`: a whole number of slots, from one to the most Offload runs at once. */
export function slotCount(flag: string, text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN
  if (!(n >= 1 && n <= MAX_CONCURRENCY)) throw new CliError(`${flag}: a whole number from 1 to ${MAX_CONCURRENCY}, got "${text}"`)
  return n
}
