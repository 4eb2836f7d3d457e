import { spawn } from 'node:child_process'
import { STATS_RANGES, type StatsRange } from '../../../shared/job'
import { fieldsOf, type JsonSchema } from '../../../shared/schema-form'
import type { Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'
import { formatDuration } from '../output'

/** Every kind with its params (* required), or the API's answer as JSON. */
export async function kinds(ctx: Context, options: { json?: boolean }): Promise<ExitCode> {
  const answer = await ctx.api.listKinds({})
  if (options.json) {
    ctx.out(JSON.stringify(answer, null, 2))
    return EXIT.ok
  }
  for (const kind of answer.kinds) {
    ctx.out(`${kind.name}${kind.source === 'custom' ? ' (yours)' : ''} — ${kind.description}`)
    const fields = fieldsOf(kind.paramsSchema as JsonSchema)
    if (fields.length > 0) ctx.out(`  --param ${fields.map((f) => `${f.name}${f.required ? '*' : ''}=<${f.kind}>`).join(' ')}`)
  }
  for (const error of answer.errors) ctx.err(`could not load ${error.file}: ${error.message}`)
  return EXIT.ok
}

const pct = (rate: number | null): string => (rate === null ? '—' : `${Math.round(rate * 100)}%`)

/** What ended and how over a period, run and wait times, and the same by kind. */
export async function stats(ctx: Context, options: { range: string; json?: boolean }): Promise<ExitCode> {
  if (!Object.hasOwn(STATS_RANGES, options.range)) throw new CliError(`--range: one of ${Object.keys(STATS_RANGES).join(', ')}, got "${options.range}"`)
  const report = await ctx.api.getStatsReport({ range: options.range as StatsRange })
  if (options.json) {
    ctx.out(JSON.stringify(report, null, 2))
    return EXIT.ok
  }
  const t = report.totals
  ctx.out(
    `Since ${new Date(report.from).toLocaleString()}: ${t.finished.toLocaleString('en')} ended — ${t.succeeded} succeeded, ${t.failed} failed, ${t.cancelled} cancelled (failure rate ${pct(t.failureRate)})`,
  )
  if (t.durationMs)
    ctx.out(
      `Run time: median ${formatDuration(t.durationMs.p50)}, p90 ${formatDuration(t.durationMs.p90)}, p99 ${formatDuration(t.durationMs.p99)}, longest ${formatDuration(t.durationMs.max)}`,
    )
  if (t.waitMs) ctx.out(`Wait in queue: median ${formatDuration(t.waitMs.p50)}, p90 ${formatDuration(t.waitMs.p90)}`)
  ctx.out(`Now: ${t.counts.running} running, ${t.counts.queued.toLocaleString('en')} queued`)
  for (const k of report.kinds) {
    ctx.out(
      `  ${k.kind}: ${k.finished.toLocaleString('en')} ended, ${k.failed} failed (${pct(k.failureRate)}), median ${formatDuration(k.durationMs?.p50 ?? null)}`,
    )
  }
  return EXIT.ok
}

/** The panel in the browser, with its token; the address is printed too, for a machine without one. */
export async function open(ctx: Context): Promise<ExitCode> {
  const url = `${ctx.connection.url}/?token=${encodeURIComponent(ctx.connection.token)}`
  ctx.out(url)
  const opener = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url]
  const child = spawn(opener[0]!, opener.slice(1), { stdio: 'ignore', detached: true })
  const started = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true))
    child.once('error', () => resolve(false))
  })
  if (!started) ctx.err(`(nothing here opens a browser: ${opener[0]} is missing; copy the address above)`)
  child.unref()
  return EXIT.ok
}
