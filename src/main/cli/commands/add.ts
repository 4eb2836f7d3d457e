import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { MAX_ATTEMPTS, MAX_TIMEOUT_MS, PRIORITIES, type Priority } from '../../../shared/job'
import type { Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { parseDuration } from '../output'
import { paramsFrom } from '../params'
import { formatTime, useColour } from '../output'
import { parseAt } from '../when'
import { endLine, followJob, waitForJobs } from './watch-jobs'

export interface AddOptions {
  param: string[]
  paramsJson?: string
  name?: string
  priority?: string
  timeout?: string
  attempts?: string
  at?: string
  delay?: string
  env: string[]
  wait?: boolean
  follow?: boolean
  printId?: boolean
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

type Limits = { priority?: Priority; timeoutMs?: number; maxAttempts?: number; runAt?: string; delayMs?: number }

function limits(options: AddOptions, now: Date): Limits {
  const out: Limits = {}
  if (options.at !== undefined && options.delay !== undefined) throw new CliError('Give --at or --delay, not both')
  if (options.at !== undefined) {
    const at = parseAt(options.at, now)
    if (!at) throw new CliError(`--at: a time such as 14:30, "2026-12-24 18:00" or 2026-12-24T18:00:00Z, got "${options.at}"`)
    out.runAt = at.toISOString()
  }
  if (options.delay !== undefined) {
    const ms = parseDuration(options.delay)
    if (ms === null) throw new CliError(`--delay: a duration such as 90s, 5m or 1h30m, got "${options.delay}"`)
    out.delayMs = ms
  }
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

/**
 * Queues a job: `add <kind> --param k=v …`, or `add -- <command> [args…]` for
 * a shell job run where you are. Params are checked against the kind's schema
 * here first, so a mistake is named before anything is sent.
 */
export async function add(ctx: Context, kind: string | undefined, command: readonly string[] | undefined, options: AddOptions): Promise<ExitCode> {
  if (options.wait && options.follow) throw new CliError('Give --wait or --follow, not both')
  const { kinds } = await ctx.api.listKinds({})
  let kindName: string
  let params: Record<string, unknown>
  let name = options.name
  if (command !== undefined) {
    if (kind !== undefined) throw new CliError(`Give a kind or a command after --, not both (got "${kind}" and "${command.join(' ')}")`)
    if (command.length === 0) throw new CliError('Nothing after --: offload add -- <command> [args…]')
    if (options.param.length > 0 || options.paramsJson !== undefined)
      throw new CliError('--param and --params-json are for a kind; after -- comes the command itself')
    kindName = 'shell'
    const env = envFrom(options.env, ctx.io.env)
    // Several words are run as given, without a shell to read them again; one runs through /bin/sh (so "make && make install"
    // works), unless it names a program here ("./my script.sh" has a space a shell would split it at).
    const direct = command.length > 1 || existsSync(resolve(ctx.io.cwd, command[0]!))
    params = { command: command[0]!, ...(direct ? { args: command.slice(1) } : {}), cwd: ctx.io.cwd, ...(env ? { env } : {}) }
    name ??= command.join(' ').slice(0, 200)
  } else {
    if (kind === undefined) throw new CliError('Give a kind (offload kinds lists them), or -- and a command')
    if (options.env.length > 0) throw new CliError('--env is for a command after --; a kind takes its environment as a param if it has one')
    const info = kinds.find((k) => k.name === kind)
    if (!info) throw new CliError(`No job kind "${kind}"; known kinds: ${kinds.map((k) => k.name).join(', ')}`)
    kindName = kind
    params = paramsFrom(info, options.param, options.paramsJson)
  }
  const job = await ctx.api.createJob({ kind: kindName, params, ...limits(options, new Date()), ...(name !== undefined ? { name } : {}) })
  if (options.printId) ctx.out(job.id)
  else if (job.status === 'scheduled') ctx.err(`Scheduled “${job.name}” (${job.id}) for ${formatTime(job.runAfter)}`)
  else ctx.err(`Queued “${job.name}” (${job.id})`)
  if (options.follow) return followJob(ctx, job.id)
  if (options.wait) {
    const colour = useColour(ctx.io.stderr, ctx.io.env)
    return waitForJobs(
      ctx,
      [job.id],
      (ended) => ctx.err(endLine(ended, colour)),
      (id) => ctx.err(`Job ${id} was removed`),
    )
  }
  return EXIT.ok
}
