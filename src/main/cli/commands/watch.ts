import { homedir } from 'node:os'
import { absoluteFolder } from '../folders'
import { MAX_SETTLE_MS, MIN_SETTLE_MS, NewWatchSchema, TEMPLATE_FIELDS, type Watch } from '../../../shared/watch'
import { ApiError } from '../../../shared/wire-error'
import { terminalColumns, type Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { jobSpec, slotCount, tryLimits, type TryLimitOptions } from '../job-spec'
import { formatDuration, parseDuration, useColour } from '../output'
import { stateLine, watchDetail, watchTable } from '../watch-output'
import { enableEach, inFlags, removeEach } from './schedule'

export interface WatchAddOptions extends Pick<TryLimitOptions, 'priority'> {
  param: string[]
  paramsJson?: string
  glob?: string
  /** False with --no-recursive. */
  recursive: boolean
  settle?: string
  lane?: string
  slots?: string
  disabled?: boolean
  json?: boolean
  printId?: boolean
}

/** What each job gets when no params are given: the API's own default, {"path": "{{path}}"}. */
const DEFAULT_TEMPLATE = NewWatchSchema.shape.paramsTemplate.parse(undefined)

function settleMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = parseDuration(text)
  if (ms === null || ms < MIN_SETTLE_MS || ms > MAX_SETTLE_MS)
    throw new CliError(`--settle: a duration from ${MIN_SETTLE_MS}ms to ${MAX_SETTLE_MS / 60_000}m, such as 500ms or 5s, got "${text}"`)
  return ms
}

/** The API names a watch's fields; the person typed flags and the folder, so its complaints name those. */
const FLAG_OF: Record<string, string> = {
  glob: '--glob',
  settleMs: '--settle',
  priority: '--priority',
  paramsTemplate: '--params-json',
  lane: '--lane',
  slots: '--slots',
}

function refusal(error: unknown, folder: string): unknown {
  // The kind's own check of the params, as a job for a file in the folder would have them: its message names the param, and the file tried.
  if (error instanceof ApiError && error.code === 'invalid_params') return new CliError(error.message)
  return inFlags(error, (field) => {
    if (field === 'path') return folder
    // paramsTemplate.args.0 is the first of the --param args given.
    if (field.startsWith('paramsTemplate.')) return `--param ${field.split('.')[1]}`
    return FLAG_OF[field]
  })
}

const PLACEHOLDER = new RegExp(`\\{\\{(${TEMPLATE_FIELDS.join('|')})\\}\\}`)

/**
 * What a person may not have meant: params that name no file make every
 * job alike; a shell job without args has /bin/sh read its command, and
 * with it any file name put into it, so "$(…)" in a name would run.
 */
function warnOfParams(ctx: Context, kind: string, params: Record<string, unknown>): void {
  if (!PLACEHOLDER.test(JSON.stringify(params))) ctx.err('Note: no {{path}}, {{name}} or {{dir}} in the params, so every file’s job gets the same ones')
  else if (kind === 'shell' && params.args === undefined && typeof params.command === 'string' && PLACEHOLDER.test(params.command))
    ctx.err(
      'Careful: without args, /bin/sh reads the command, file names and all (one named "$(…)" would run); ' +
        'safer is the program as the command and --param args={{path}}',
    )
}

function sayAdded(ctx: Context, watch: Watch): void {
  const files = `each file${watch.glob === '*' ? '' : ` matching ${watch.glob}`} ${watch.recursive ? 'in it or its subfolders' : 'directly in it'}`
  ctx.err(
    `Added watch ${watch.id} on ${watch.path}: ${files}, there now or to come, becomes a “${watch.kind}” job once unchanged for ${formatDuration(watch.settleMs)}`,
  )
  ctx.err(watch.enabled ? stateLine(watch) : `disabled: nothing is handed over until it is enabled (offload watch enable ${watch.id})`)
}

/**
 * A watched folder: each file that arrives, once it has stopped changing,
 * becomes a job of the kind, its params the ones given with {{path}},
 * {{name}} and {{dir}} filled from the file (else the API's {"path": "{{path}}"}).
 */
export async function watchAdd(ctx: Context, folder: string, kind: string, options: WatchAddOptions): Promise<ExitCode> {
  if (options.json && options.printId) throw new CliError('Give --json or --print-id, not both')
  const path = absoluteFolder(folder, ctx.io.cwd, homedir())
  const given = options.param.length > 0 || options.paramsJson !== undefined
  // Checked against the kind's params before anything is sent, the API's template too when none is given.
  const paramsJson = given ? options.paramsJson : JSON.stringify(DEFAULT_TEMPLATE)
  const spec = await jobSpec(ctx, kind, undefined, { param: options.param, env: [], ...(paramsJson !== undefined ? { paramsJson } : {}) }, 'offload watch add')
  const settle = settleMs(options.settle)
  const { priority } = tryLimits(options)
  const watch = await ctx.api
    .createWatch({
      path,
      kind: spec.kind,
      recursive: options.recursive,
      enabled: options.disabled !== true,
      ...(given ? { paramsTemplate: spec.params } : {}),
      ...(options.glob !== undefined ? { glob: options.glob } : {}),
      ...(priority !== undefined ? { priority } : {}),
      ...(settle !== undefined ? { settleMs: settle } : {}),
      // The lane's name is the API's to check: it says what a lane may be called.
      ...(options.lane !== undefined ? { lane: options.lane } : {}),
      ...(options.slots !== undefined ? { slots: slotCount('--slots', options.slots) } : {}),
    })
    .catch((error: unknown) => {
      throw refusal(error, path)
    })
  if (options.json) ctx.out(JSON.stringify(watch, null, 2))
  else if (options.printId) ctx.out(watch.id)
  else sayAdded(ctx, watch)
  // Said once the API took them: refused params have a better reason not to be.
  if (given) warnOfParams(ctx, spec.kind, spec.params)
  return EXIT.ok
}

export async function watchList(ctx: Context, options: { json?: boolean }): Promise<ExitCode> {
  const answer = await ctx.api.listWatches({})
  const { watches } = answer
  if (options.json) ctx.out(JSON.stringify(answer, null, 2))
  else if (watches.length === 0) ctx.err('No watched folders yet: offload watch add <folder> <kind> --param name={{path}} adds one')
  else ctx.out(watchTable(watches, { columns: terminalColumns(ctx.io), colour: useColour(ctx.io.stdout, ctx.io.env), home: homedir() }))
  return EXIT.ok
}

export async function watchShow(ctx: Context, id: string, options: { json?: boolean }): Promise<ExitCode> {
  const watch = await ctx.api.getWatch({ id })
  ctx.out(options.json ? JSON.stringify(watch, null, 2) : watchDetail(watch, { now: Date.now(), colour: useColour(ctx.io.stdout, ctx.io.env) }))
  return EXIT.ok
}

/** Stops watching; the jobs already made stay, and run. */
export async function watchRemove(ctx: Context, ids: string[]): Promise<ExitCode> {
  return removeEach(ctx, ids, ['watch', 'watches'], (id) => ctx.api.deleteWatch({ id }))
}

/** Switches watches on or off; one switched on looks through its folder first, so files that came while it was off become jobs then. */
export async function watchEnable(ctx: Context, ids: string[], enabled: boolean): Promise<ExitCode> {
  return enableEach(ctx, ids, enabled, async (id) => {
    const watch = await ctx.api.updateWatch({ id, enabled })
    const now = enabled ? stateLine(watch) : 'files that come meanwhile become jobs once it is enabled again'
    return `${enabled ? 'Enabled' : 'Disabled'} watch ${watch.id} on ${watch.path}; ${now}`
  })
}
