import type { StorageHealth } from '../../shared/job'
import type { StorageError } from './storage-error'

export interface StorageMonitorEvents {
  /** The health changed (trouble began, changed kind, or ended). */
  changed(health: StorageHealth): void
  /** Time to try writing again. */
  retry(): void
}

/**
 * Whether the jobs database takes writes. Trouble begins at the first
 * failure of the database itself; while it lasts, a retry is asked for every
 * `retryMs` until a write succeeds. Damage is for good: waiting does not
 * repair a database, so a damaged one is not retried.
 */
export class StorageMonitor {
  private trouble: { error: StorageError; since: number } | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly now: () => number,
    private readonly retryMs: number,
    private readonly events: StorageMonitorEvents,
  ) {}

  get ok(): boolean {
    return this.trouble === undefined
  }

  health(): StorageHealth {
    if (!this.trouble) return { status: 'ok', message: null, since: null }
    return { status: this.trouble.error.status, message: this.trouble.error.message, since: new Date(this.trouble.since).toISOString() }
  }

  failed(error: StorageError): void {
    if (this.trouble?.error.status === 'corrupt') return
    const changed = this.trouble?.error.status !== error.status
    this.trouble = { error, since: this.trouble?.since ?? this.now() }
    if (error.status === 'corrupt') this.stopRetrying()
    else this.timer ??= setInterval(() => this.events.retry(), this.retryMs).unref()
    if (changed) this.events.changed(this.health())
  }

  /** A write went through. */
  succeeded(): void {
    if (!this.trouble || this.trouble.error.status === 'corrupt') return
    this.trouble = undefined
    this.stopRetrying()
    this.events.changed(this.health())
  }

  close(): void {
    this.stopRetrying()
  }

  private stopRetrying(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
