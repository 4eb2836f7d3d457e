import type { ApiError } from '../../shared/errors'
import { JOB_STATUSES, MAX_BULK, MAX_BULK_FAILURES_LISTED, type BulkResult, type BulkTarget, type JobStatus } from '../../shared/job'
import type { JobStore } from './job-store'

/** Jobs per transaction when acting on a filter; between chunks the event loop has its turn. */
export const BULK_CHUNK = 1000

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * The ids a bulk action acts on, a chunk at a time: the ids given, each
 * once; or, in id order, every job matching the filter that existed when
 * the call was made (jobs added meanwhile sort after the newest id then).
 * Each job is looked at once, whatever status it moves to meanwhile.
 */
export async function* targetChunks(store: JobStore, target: BulkTarget): AsyncGenerator<string[]> {
  if (!target.filter) {
    yield [...new Set(target.ids)]
    return
  }
  const through = store.lastId()
  if (through === null) return
  let after = ''
  for (;;) {
    const { ids, last } = store.matchingWindow(target.filter, after, through, BULK_CHUNK)
    if (ids.length > 0) yield ids
    if (last === null) return
    after = last
    await nextTurn()
  }
}

/**
 * A filter narrowed to the statuses an action applies to: "cancel everything
 * matching" means the queued and running ones among them, not a refusal for
 * every finished job. Ids are left as given (each is answered for), and a
 * filter left with no status matches nothing (null).
 */
export function narrowTarget(target: BulkTarget, applies: readonly JobStatus[]): BulkTarget | null {
  if (!target.filter) return target
  const asked = target.filter.status === undefined ? JOB_STATUSES : [target.filter.status].flat()
  const status = asked.filter((s) => applies.includes(s))
  return status.length === 0 ? null : { filter: { ...target.filter, status } }
}

/** A bulk action's result as it goes: every job counted, the first ones listed. */
export class BulkTally {
  private readonly result: BulkResult = { changed: [], changedCount: 0, failed: [], failedCount: 0 }

  /** `nameOf` names a job that could not be changed (called only for the ones listed). */
  constructor(private readonly nameOf: (id: string) => string | undefined) {}

  changed(id: string): void {
    if (this.result.changed.length < MAX_BULK) this.result.changed.push(id)
    this.result.changedCount++
  }

  failed(id: string, error: ApiError): void {
    if (this.result.failed.length < MAX_BULK_FAILURES_LISTED) {
      this.result.failed.push({ id, name: this.nameOf(id) ?? null, code: error.code, message: error.message })
    }
    this.result.failedCount++
  }

  done(): BulkResult {
    return this.result
  }
}
