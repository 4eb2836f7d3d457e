import { MAX_MISSED_WINDOW_MS, MISSED_POLICIES, OVERLAP_POLICIES, type Schedule } from '../../../shared/schedule'
import { ApiError } from '../../../shared/wire-error'
import { terminalColumns, type Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { jobSpec, slotCount, tryLimits, type JobSpecOptions, type TryLimitOptions } from '../job-spec'
import { parseDuration, useColour } from '../output'
import { clockTime, fromNow, nextRunLines, scheduleDetail, scheduleTable } from '../schedule-output'

export interface ScheduleAddOptions extends JobSpecOptions, TryLimitOptions {
  cron: string
  tz: string
  /** Commander checks these against the choices, and gives the API's defaults. */
  overlap: (typeof OVERLAP_POLICIES)[number]
  missed: (typeof MISSED_POLICIES)[number]
  missedWindow?: string
  lane?: string
  slots?: string
  disabled?: boolean
  json?: boolean
  printId?: boolean
}

/** The API names a schedule's fields; the person typed flags, so its complaints name those. */
const FLAG_OF: Record<string, string> = { cron: '--cron', timezone: '--tz', name: '--name', lane: '--lane', slots: '--slots' }

/**
 * A refused input with each field it names said as `flagOf` names it, as the
 * person typed it; the error as it was when `flagOf` knows none of them.
 */
export function inFlags(error: unknown, flagOf: (field: string) => string | undefined): unknown {
  if (!(error instanceof ApiError) || error.code !== 'invalid_input' || !Array.isArray(error.detail)) return error
  const fields = (error.detail as { path?: unknown; message?: unknown }[]).filter(
    (d): d is { path: string; message: string } => typeof d.path === 'string' && typeof d.message === 'string',
  )
  if (!fields.some((d) => flagOf(d.path) !== undefined)) return error
  return new CliError(fields.map((d) => `${flagOf(d.path) ?? d.path}: ${d.message}`).join('; '))
}

function missedWindowMs(options: ScheduleAddOptions): number | undefined {
  if (options.missedWindow === undefined) return undefined
  if (options.missed === 'skip') throw new CliError('--missed-window is for --missed once or all; with skip, missed runs are not made up')
  const ms = parseDuration(options.missedWindow)
  if (ms === null || ms < 1000 || ms > MAX_MISSED_WINDOW_MS)
    throw new CliError(`--missed-window: a duration from 1s to ${MAX_MISSED_WINDOW_MS / 86_400_000}d, such as 3h or 2d, got "${options.missedWindow}"`)
  return ms
}

/** The cron and its zone, and when it next fires on this machine's clock (the zone may be another one). */
function sayAdded(ctx: Context, schedule: Schedule): void {
  if (!schedule.enabled) {
    ctx.err(`Added schedule “${schedule.name}” (${schedule.id}), disabled: ${schedule.cron} in ${schedule.timezone}`)
    ctx.err(`It runs once enabled (offload schedule enable ${schedule.id}), or by hand (offload schedule run ${schedule.id})`)
    return
  }
  ctx.err(`Added schedule “${schedule.name}” (${schedule.id}): ${schedule.cron} in ${schedule.timezone}`)
  // The API refuses a pattern that never fires, so there is always a next run.
  ctx.err(['Next runs, on this machine’s clock:', ...nextRunLines(schedule.nextRuns, Date.now())].join('\n'))
}

/** A recurring job: a kind with its params, or -- and a command to run here, on a cron pattern. */
export async function scheduleAdd(
  ctx: Context,
  kind: string | undefined,
  command: readonly string[] | undefined,
  options: ScheduleAddOptions,
): Promise<ExitCode> {
  if (options.json && options.printId) throw new CliError('Give --json or --print-id, not both')
  const spec = await jobSpec(ctx, kind, command, options, 'offload schedule add')
  const window = missedWindowMs(options)
  const schedule = await ctx.api
    .createSchedule({
      ...spec,
      ...tryLimits(options),
      cron: options.cron,
      timezone: options.tz,
      enabled: options.disabled !== true,
      overlap: options.overlap,
      missed: options.missed,
      ...(window !== undefined ? { missedWindowMs: window } : {}),
      // The lane's name is the API's to check: it says what a lane may be called.
      ...(options.lane !== undefined ? { lane: options.lane } : {}),
      ...(options.slots !== undefined ? { slots: slotCount('--slots', options.slots) } : {}),
    })
    .catch((error: unknown) => {
      throw inFlags(error, (field) => FLAG_OF[field])
    })
  if (options.json) ctx.out(JSON.stringify(schedule, null, 2))
  else if (options.printId) ctx.out(schedule.id)
  else sayAdded(ctx, schedule)
  return EXIT.ok
}

export async function scheduleList(ctx: Context, options: { json?: boolean }): Promise<ExitCode> {
  const answer = await ctx.api.listSchedules({})
  if (options.json) ctx.out(JSON.stringify(answer, null, 2))
  else if (answer.schedules.length === 0) ctx.err('No schedules yet: offload schedule add <kind> --cron "0 * * * *" adds one')
  else ctx.out(scheduleTable(answer.schedules, { columns: terminalColumns(ctx.io), now: Date.now(), colour: useColour(ctx.io.stdout, ctx.io.env) }))
  return EXIT.ok
}

export async function scheduleShow(ctx: Context, id: string, options: { json?: boolean }): Promise<ExitCode> {
  const detail = await ctx.api.getSchedule({ id })
  ctx.out(options.json ? JSON.stringify(detail, null, 2) : scheduleDetail(detail, { now: Date.now(), colour: useColour(ctx.io.stdout, ctx.io.env) }))
  return EXIT.ok
}

/** One run now, outside the pattern; says which job it queued. */
export async function scheduleRun(ctx: Context, id: string, options: { json?: boolean; printId?: boolean }): Promise<ExitCode> {
  if (options.json && options.printId) throw new CliError('Give --json or --print-id, not both')
  const job = await ctx.api.runSchedule({ id })
  if (options.json) ctx.out(JSON.stringify(job, null, 2))
  else if (options.printId) ctx.out(job.id)
  else ctx.err(`Queued “${job.name}” (${job.id})`)
  return EXIT.ok
}

/**
 * Does `act` to each schedule (or watch) named; one that is not there (or no
 * id at all) is refused and the rest go on. Any other trouble (Offload gone,
 * a refused token) ends the command, since it would fail the rest alike.
 */
async function eachId(ids: readonly string[], act: (id: string) => Promise<void>): Promise<{ id: string; message: string }[]> {
  const refused: { id: string; message: string }[] = []
  for (const id of ids) {
    try {
      await act(id)
    } catch (error) {
      if (!(error instanceof ApiError && (error.code === 'not_found' || error.code === 'invalid_input'))) throw error
      refused.push({ id, message: error.message })
    }
  }
  return refused
}

/** Removes each one named with `remove`, and says how many went (the word for one, then for more) and why the rest did not. */
export async function removeEach(
  ctx: Context,
  ids: readonly string[],
  [one, more]: readonly [string, string],
  remove: (id: string) => Promise<unknown>,
): Promise<ExitCode> {
  const refused = await eachId(ids, async (id) => void (await remove(id)))
  const removed = ids.length - refused.length
  ctx.err(`Removed ${removed} ${removed === 1 ? one : more}`)
  for (const { id, message } of refused) ctx.err(`  ${id}: ${message}`)
  return refused.length > 0 ? EXIT.refused : EXIT.ok
}

/** Switches each one named with `update`, saying what it answers (what became of it), and after `notDone` ("Not enabled") why any was not. */
export async function switchEach(ctx: Context, ids: readonly string[], notDone: string, update: (id: string) => Promise<string>): Promise<ExitCode> {
  const refused = await eachId(ids, async (id) => ctx.err(await update(id)))
  for (const { id, message } of refused) ctx.err(`${notDone}: ${id}: ${message}`)
  return refused.length > 0 ? EXIT.refused : EXIT.ok
}

/** Switches each one named on or off with `update`, saying what it answers (what became of it), and why any was not. */
export async function enableEach(ctx: Context, ids: readonly string[], enabled: boolean, update: (id: string) => Promise<string>): Promise<ExitCode> {
  return switchEach(ctx, ids, `Not ${enabled ? 'enabled' : 'disabled'}`, update)
}

/** Removes schedules; jobs they already queued stay, and run. */
export async function scheduleRemove(ctx: Context, ids: string[]): Promise<ExitCode> {
  return removeEach(ctx, ids, ['schedule', 'schedules'], (id) => ctx.api.deleteSchedule({ id }))
}

/** Enables or disables schedules; an enabled one starts from now, so the time it spent disabled is not made up. */
export async function scheduleEnable(ctx: Context, ids: string[], enabled: boolean): Promise<ExitCode> {
  return enableEach(ctx, ids, enabled, async (id) => {
    const schedule = await ctx.api.updateSchedule({ id, enabled })
    const next = schedule.nextRuns[0]
    const when = enabled && next !== undefined ? `; next run ${clockTime(next, new Date())} (${fromNow(Date.parse(next) - Date.now())})` : ''
    return `${enabled ? 'Enabled' : 'Disabled'} “${schedule.name}” (${schedule.id})${when}`
  })
}
