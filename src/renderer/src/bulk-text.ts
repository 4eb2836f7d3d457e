import type { BulkResult } from '../../shared/job'

/** Reasons named in a bulk result's message; the rest are counted. */
const REASONS_SHOWN = 2

/** "Job 01J… is running; cancel it first" → "“Nightly backup” is running; cancel it first": people know their jobs by name. */
function reason(failure: BulkResult['failed'][number]): string {
  const who = failure.name === null ? `Job ${failure.id}` : `“${failure.name}”`
  return failure.message.replace(new RegExp(`^Job ${failure.id}\\b`), who)
}

const jobs = (n: number): string => `${n.toLocaleString()} ${n === 1 ? 'job' : 'jobs'}`

/** What a bulk action did, for a person: how many, and why the others were not. */
export function describeBulk(verb: string, result: BulkResult): string {
  const done = `${verb} ${jobs(result.changedCount)}`
  if (result.failedCount === 0) return done
  const shown = result.failed.slice(0, REASONS_SHOWN).map(reason)
  const more = result.failedCount - shown.length
  return `${done}; ${result.failedCount.toLocaleString()} not: ${shown.join('; ')}${more > 0 ? `; and ${more.toLocaleString()} more` : ''}.`
}
