import type { EngineToWorker } from '../common/protocol'

export type RunMessage = Extract<EngineToWorker, { type: 'run' }>

/** One attempt, as the inbox sees it. */
export interface Attempt {
  readonly id: string
  /** Settles when the attempt is over (its outcome sent). */
  run(): Promise<void>
  abort(): void
}

/**
 * The jobs a worker holds, run strictly one at a time in the order sent.
 * After each, the next starts on a later turn, so that messages which arrived
 * meanwhile (a recall, an abort) are handled first.
 */
export class Inbox<A extends Attempt> {
  private readonly waiting: RunMessage[] = []
  private current: A | undefined

  constructor(
    private readonly create: (message: RunMessage) => A,
    /** A job taken out unrun: `recalled` (given back) or `aborted` (cancelled while waiting). */
    private readonly removed: (id: string, why: 'recalled' | 'aborted') => void,
  ) {}

  get running(): A | undefined {
    return this.current
  }

  push(message: RunMessage): void {
    this.waiting.push(message)
    this.next()
  }

  /** Gives back a job still waiting; one already begun goes on (the engine has heard it started). */
  recall(id: string): void {
    if (this.take(id)) this.removed(id, 'recalled')
  }

  abort(id: string): void {
    if (this.current?.id === id) return this.current.abort()
    if (this.take(id)) this.removed(id, 'aborted')
  }

  private take(id: string): boolean {
    const at = this.waiting.findIndex((m) => m.job.id === id)
    if (at < 0) return false
    this.waiting.splice(at, 1)
    return true
  }

  private next(): void {
    // A job may arrive, and start, while the turn deferred at the end of the last one is pending.
    if (this.current) return
    const message = this.waiting.shift()
    if (!message) return
    const attempt = this.create(message)
    this.current = attempt
    void attempt.run().finally(() => {
      this.current = undefined
      setImmediate(() => this.next())
    })
  }
}
