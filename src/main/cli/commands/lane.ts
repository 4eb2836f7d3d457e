import type { Lane } from '../../../shared/lane'
import { ApiError } from '../../../shared/wire-error'
import { terminalColumns, type Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { slotCount } from '../job-spec'
import { laneDetail, laneTable } from '../lane-output'
import { useColour } from '../output'
import { inFlags, switchEach } from './schedule'

export interface LaneSetOptions {
  /** A number as typed with --limit; false with --no-limit. */
  limit?: string | false
}

/** The API names the lane in the path "name"; the person typed the lane itself, so a refusal says it as typed. */
function asTyped(error: unknown, name: string): unknown {
  return inFlags(error, (field) => (field === 'name' ? name : field === 'concurrency' ? '--limit' : undefined))
}

/** An empty name would be no lane but the list's address. */
function named(names: readonly string[]): void {
  if (names.includes('')) throw new CliError('Give each lane’s name, like "encode" (offload lane list lists them)')
}

/** Calls the API for the lane named, any refusal of its name said with the name as typed. */
async function onLane<T>(name: string, call: () => Promise<T>): Promise<T> {
  named([name])
  return call().catch((error: unknown) => {
    throw asTyped(error, name)
  })
}

/** Every lane with settings of its own or jobs in it, and "default" always, as a table; or the API's answer as JSON. */
export async function laneList(ctx: Context, options: { json?: boolean }): Promise<ExitCode> {
  const answer = await ctx.api.listLanes({})
  if (options.json) ctx.out(JSON.stringify(answer, null, 2))
  else ctx.out(laneTable(answer.lanes, { columns: terminalColumns(ctx.io), colour: useColour(ctx.io.stdout, ctx.io.env) }))
  return EXIT.ok
}

/** A lane in full; any name is a lane, one never used is open, unlimited and empty. */
export async function laneShow(ctx: Context, name: string, options: { json?: boolean }): Promise<ExitCode> {
  const lane = await onLane(name, () => ctx.api.getLane({ name }))
  ctx.out(options.json ? JSON.stringify(lane, null, 2) : laneDetail(lane, { colour: useColour(ctx.io.stdout, ctx.io.env) }))
  return EXIT.ok
}

const limitSaid = (lane: Lane): string =>
  lane.concurrency === null
    ? `Lane ${lane.name}: no limit of its own; only the global limit holds`
    : `Lane ${lane.name}: at most ${lane.concurrency} ${lane.concurrency === 1 ? 'slot' : 'slots'} at once, inside the global limit`

/** Sets a lane's own limit (`--limit n`), or takes it away (`--no-limit`); running jobs over a lowered limit finish. */
export async function laneSet(ctx: Context, name: string, options: LaneSetOptions): Promise<ExitCode> {
  if (options.limit === undefined) throw new CliError('Give --limit <n> (slots at once) or --no-limit')
  const concurrency = options.limit === false ? null : slotCount('--limit', options.limit)
  const lane = await onLane(name, () => ctx.api.updateLane({ name, concurrency }))
  ctx.err(limitSaid(lane))
  return EXIT.ok
}

/** Pauses or resumes each lane named: a paused lane starts nothing new, what runs goes on; the others go on when one is refused. */
export async function lanePause(ctx: Context, names: string[], paused: boolean): Promise<ExitCode> {
  named(names)
  return switchEach(ctx, names, paused ? 'Not paused' : 'Not resumed', async (name) => {
    const lane = await ctx.api.updateLane({ name, paused }).catch((error: unknown) => {
      // Said after the name, which the refusal line gives already.
      if (error instanceof ApiError && error.code === 'invalid_input' && Array.isArray(error.detail)) {
        const refusal = (error.detail as { path?: unknown; message?: unknown }[]).find((d) => d.path === 'name' && typeof d.message === 'string')
        if (refusal) throw new ApiError('invalid_input', refusal.message as string, error.detail)
      }
      throw error
    })
    if (!paused) return `Resumed lane ${lane.name}`
    return `Paused lane ${lane.name}: nothing new in it starts; ${lane.running} running go on, ${lane.queued.toLocaleString('en')} queued wait`
  })
}
