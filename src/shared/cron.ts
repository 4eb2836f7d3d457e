import { Cron } from 'croner'

/** Parsed patterns by zone and pattern: 1,000 schedules due at once would otherwise parse 2,000 times. */
const parsed = new Map<string, Cron>()
const MAX_PARSED = 2000

/** A paused croner job for the pattern, only ever asked for times (which leaves it as it was), so one serves every caller. */
function cronOf(cron: string, timezone: string): Cron {
  const key = `${timezone}\u0000${cron}`
  let job = parsed.get(key)
  if (!job) {
    job = new Cron(cron, { timezone, paused: true })
    if (parsed.size >= MAX_PARSED) parsed.clear()
    parsed.set(key, job)
  }
  return job
}

/**
 * Cron math, from croner: the server fires by it and the panel previews
 * with it, so both agree. Five fields (minute first), or six with seconds.
 */
export function cronProblem(cron: string, timezone: string): { path: 'cron' | 'timezone'; message: string } | null {
  if (!isTimeZone(timezone)) return { path: 'timezone', message: `Unknown time zone "${timezone}"; use an IANA name such as Europe/Berlin or UTC` }
  try {
    new Cron(cron, { timezone, paused: true })
  } catch (error) {
    return { path: 'cron', message: (error as Error).message.replace(/^CronPattern: /, '') }
  }
  if (new Cron(cron, { timezone, paused: true }).nextRun() === null) return { path: 'cron', message: 'This pattern never fires' }
  return null
}

export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone })
    return true
  } catch {
    return false
  }
}

/** The next `count` fire times strictly after `after` (ms), in ms. */
export function nextFireTimes(cron: string, timezone: string, count: number, after: number): number[] {
  return cronOf(cron, timezone)
    .nextRuns(count, new Date(after))
    .map((d) => d.getTime())
}

/** The latest fire time at or before `at`, or null. */
export function lastFireTime(cron: string, timezone: string, at: number): number | null {
  return (
    cronOf(cron, timezone)
      .previousRuns(1, new Date(at + 1))[0]
      ?.getTime() ?? null
  )
}

/** Every fire time from `from` through `to` (ms, both included), the latest `max` of them when there are more. */
export function fireTimesBetween(cron: string, timezone: string, from: number, to: number, max: number): number[] {
  const job = cronOf(cron, timezone)
  const out: number[] = []
  for (let next = job.nextRun(new Date(from - 1)); next && next.getTime() <= to; next = job.nextRun(next)) {
    out.push(next.getTime())
    if (out.length > max) out.shift()
  }
  return out
}
