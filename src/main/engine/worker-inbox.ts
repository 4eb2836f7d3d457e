import type { Job } from '../../shared/job'
import type { Ending } from './ending'
import type { AttemptUsage } from './job-store'
import type { PooledWorker } from './worker-pool'

/** One attempt of one job, from dispatch until the engine writes how it ended. */
export interface ActiveRun {
  job: Job
  attempt: number
  worker: PooledWorker
  /** When the worker began executing it (engine clock); unset while it waits in the worker's inbox. */
  startedAt?: number
  /** Its start is in the database (a commit has written it): only then has its attempt a row to end. */
  startWritten?: boolean
  timeoutTimer?: NodeJS.Timeout
  /** When its timeout fires (engine clock); pushed back by the time it was held. */
  timeoutAt?: number
  /** Since when it has been held by quiet hours. */
  heldAt?: number
  killTimer?: NodeJS.Timeout
  /** Set once Offload has decided how this attempt ends; the worker's own report is then ignored. */
  ending?: Ending
  /** Asked back from a worker it waits in; if the worker began it meanwhile, the recall is void. */
  recalled?: boolean
  /** What it took, once it has ended. */
  usage?: AttemptUsage | undefined
}

/**
 * What one worker holds: the job it runs and, while its jobs are short, the
 * next few, sent ahead so the worker never waits a round trip for work. The
 * depth adapts so that the jobs waiting in its inbox add up to about
 * `windowMs` of work: a worker running minute-long jobs holds one job, a
 * worker running no-ops holds dozens.
 */
export class WorkerInbox {
  readonly runs: ActiveRun[] = []
  /** Fires if the head runs long while others wait behind it (see Engine.recall). */
  recallTimer: NodeJS.Timeout | undefined
  recallFor: ActiveRun | undefined
  private averageMs: number | undefined

  constructor(readonly worker: PooledWorker) {}

  get head(): ActiveRun | undefined {
    return this.runs[0]
  }

  find(id: string): ActiveRun | undefined {
    return this.runs.find((run) => run.job.id === id)
  }

  /** Jobs this worker should hold now. One until it has shown how long its jobs take. */
  depth(windowMs: number, maxDepth: number): number {
    if (this.averageMs === undefined) return 1
    return Math.max(1, Math.min(maxDepth, Math.floor(windowMs / Math.max(this.averageMs, 0.01))))
  }

  /** The head has run this long already: no more pipelining until jobs are short again. */
  slowedBy(ms: number): void {
    this.averageMs = Math.max(this.averageMs ?? 0, ms)
  }

  remove(run: ActiveRun, now: number): void {
    const at = this.runs.indexOf(run)
    if (at < 0) return
    this.runs.splice(at, 1)
    if (run.startedAt !== undefined) {
      const ms = now - run.startedAt
      // A moving average, so one slow job among no-ops shrinks the pipeline at once and it regrows gradually.
      this.averageMs = this.averageMs === undefined ? ms : Math.max(ms, this.averageMs * 0.8 + ms * 0.2)
    }
  }
}
