import { JOB_STATUSES, type JobStatus } from '../../shared/job'

export type StatusCounts = Record<JobStatus, number>

/** A literal rather than one built from JOB_STATUSES: every write makes a few. */
export function noJobs(): StatusCounts {
  return { held: 0, waiting: 0, scheduled: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 }
}

/** Jobs by kind and status: what one transaction moved, or the committed whole. */
export class KindCounts {
  private readonly kinds = new Map<string, StatusCounts>()

  add(kind: string, status: JobStatus, n: number): void {
    let counts = this.kinds.get(kind)
    if (!counts) this.kinds.set(kind, (counts = noJobs()))
    counts[status] += n
  }

  /** Adds what another moved; a kind left with nothing in any status is dropped, so removed kinds do not linger. */
  addAll(other: KindCounts): void {
    for (const [kind, moved] of other.kinds) {
      for (const status of JOB_STATUSES) if (moved[status] !== 0) this.add(kind, status, moved[status])
      const counts = this.kinds.get(kind)
      if (counts && JOB_STATUSES.every((status) => counts[status] === 0)) this.kinds.delete(kind)
    }
  }

  entries(): IterableIterator<[string, StatusCounts]> {
    return this.kinds.entries()
  }

  /** A copy, for callers outside the store. */
  snapshot(): Map<string, StatusCounts> {
    return new Map([...this.kinds].map(([kind, counts]) => [kind, { ...counts }]))
  }
}
