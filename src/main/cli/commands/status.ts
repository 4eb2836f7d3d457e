import { JOB_STATUSES, LaneNameSchema, type JobStatus } from '../../../shared/job'
import { terminalColumns, type Context } from '../context'
import { ApiError } from '../../../shared/wire-error'
import { CliError, EXIT, type ExitCode } from '../errors'
import { followEvents } from '../events'
import { fit, jobTable, useColour } from '../output'

export interface StatusOptions {
  status?: string
  kind?: string
  lane?: string
  limit: string
  json?: boolean
  watch?: boolean
}

/** Redraws at most this often while watching, however fast events come. */
const REDRAW_MS = 250

function query(options: StatusOptions): { status?: JobStatus; kind?: string; lane?: string; limit: number } {
  if (options.status !== undefined && !(JOB_STATUSES as readonly string[]).includes(options.status)) {
    throw new CliError(`--status: one of ${JOB_STATUSES.join(', ')}, got "${options.status}"`)
  }
  const limit = Number(options.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`--limit: a whole number from 1 to 1000, got "${options.limit}"`)
  if (options.lane !== undefined) {
    const lane = LaneNameSchema.safeParse(options.lane)
    if (!lane.success) throw new CliError(`--lane: ${lane.error.issues[0]!.message}`)
  }
  return {
    ...(options.status ? { status: options.status as JobStatus } : {}),
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.lane !== undefined ? { lane: options.lane } : {}),
    limit,
  }
}

/** The jobs as a table sized to the terminal, newest first, with a line of counts; or the API's page as JSON. */
export async function status(ctx: Context, options: StatusOptions): Promise<ExitCode> {
  const q = query(options)
  const render = async (): Promise<string> => {
    const [page, stats] = await Promise.all([ctx.api.listJobs({ ...q, count: true }), ctx.api.getStats({})])
    if (options.json) return JSON.stringify(page, null, 2)
    const columns = terminalColumns(ctx.io)
    const table = jobTable(page.jobs, { columns, now: Date.now(), colour: useColour(ctx.io.stdout, ctx.io.env) })
    const c = stats.counts
    const shown = page.total !== null && page.total > page.jobs.length ? `${page.jobs.length} of ${page.total.toLocaleString('en')} shown · ` : ''
    const summary = `${shown}${c.running} running · ${c.queued.toLocaleString('en')} queued · ${c.failed.toLocaleString('en')} failed${stats.paused ? ' · paused' : ''}`
    const line = fit(
      page.jobs.length === 0 ? `No jobs${options.status || options.kind || options.lane ? ' match' : ' yet'}. ${summary}` : summary,
      columns,
    ).trimEnd()
    return page.jobs.length === 0 ? line : `${table}\n${line}`
  }
  if (!options.watch) {
    ctx.out(await render())
    return EXIT.ok
  }
  if (options.json) throw new CliError('--watch draws a table; for a stream of changes, read GET /api/events')
  return watch(ctx, render)
}

/**
 * Draws (a failure the first time is the command's failure), then draws again
 * whenever the event stream says something changed and every second, until
 * Ctrl+C; losing contact is said once, under the last table.
 */
async function watch(ctx: Context, render: () => Promise<string>): Promise<ExitCode> {
  const tty = ctx.io.stdout.isTTY === true
  const show = (text: string): boolean => ctx.io.stdout.write(`${tty ? '\x1b[H\x1b[2J' : ''}${text}\n`)
  show(await render())
  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  let timer: ReturnType<typeof setTimeout> | undefined
  let lost = false
  const draw = (): void => {
    timer ??= setTimeout(() => {
      timer = undefined
      void render().then(
        (text) => {
          lost = false
          show(text)
        },
        () => {
          if (!lost) ctx.err(`Lost contact with Offload at ${new Date().toLocaleTimeString()}; the table above is from before. Retrying…`)
          lost = true
        },
      )
    }, REDRAW_MS)
  }
  // Running jobs' times and ETAs move without events: on a terminal, a redraw each second keeps them honest.
  const tick = setInterval(() => tty && draw(), 1000)
  try {
    const ended = await followEvents(ctx.connection, { onEvent: draw, onOpen: draw, onDrop: draw }, stop.signal)
    if (ended === 'unauthorized') throw new ApiError('unauthorized', 'The token was refused')
  } finally {
    clearInterval(tick)
    clearTimeout(timer)
  }
  return EXIT.ok
}
