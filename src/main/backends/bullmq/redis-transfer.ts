import { EXPORT_VERSION, type ImportResult, type JobRecord, type SettingsRecord, type TransferRoutes } from '../../../shared/export'
import { ApiError } from '../../../shared/errors'
import type { BackendFeature } from '../../../shared/backend'
import type { Clock } from '../../engine/engine'
import { checkKinds, EXPORT_PAGE_SIZE, line, parseExport } from '../../engine/export-import'
import type { KindRegistry } from '../../kinds/registry'
import { unsupported } from '../capabilities'
import type { BullStore } from './bull-store'
import { rowOfRecord } from './job-records'

const BACKEND = 'BullMQ'
const ENDED = new Set(['succeeded', 'failed', 'cancelled'])

/** A feature the file uses that this backend lacks: refused by its line, so the person knows what to take out. */
function refused(at: number, feature: BackendFeature, what: string): ApiError {
  const base = unsupported(feature, BACKEND)
  return new ApiError('unsupported', `Line ${at}: ${what}. ${base.message}`, { feature, line: at })
}

/**
 * Export and import over Redis, in the same JSON Lines as the embedded
 * engine's, so a queue moves from SQLite to Redis and back. What only the
 * embedded engine keeps (schedules, watches, lane limits, dependencies still
 * to be met, keys and slots of jobs yet to run) is refused by its line; a
 * bad file changes nothing.
 */
export class RedisTransfer implements TransferRoutes {
  constructor(
    private readonly backend: BullStore,
    private readonly kinds: KindRegistry,
    private readonly clock: Clock = { now: () => Date.now() },
  ) {}

  async *exportChunks(): AsyncGenerator<string> {
    this.reachable()
    const header = line({ type: 'offload-export', version: EXPORT_VERSION, exportedAt: new Date(this.clock.now()).toISOString() })
    // Settings belong to each machine here (a worker host's --concurrency): only the queue's pause travels.
    const settings: SettingsRecord = { type: 'settings', settings: {}, paused: await this.backend.paused() }
    yield header + line(settings)
    for await (const page of this.backend.records(EXPORT_PAGE_SIZE)) yield page.map(line).join('')
  }

  async importText(text: string): Promise<ImportResult> {
    this.reachable()
    const parsed = parseExport(text)
    checkKinds(parsed, this.kinds)
    if (parsed.schedules[0]) throw refused(parsed.schedules[0].at, 'schedules', `schedule ${parsed.schedules[0].record.id}`)
    if (parsed.watches[0]) throw refused(parsed.watches[0].at, 'watches', `watch ${parsed.watches[0].record.id}`)
    const limited = parsed.lanes.find(({ record }) => record.concurrency !== null || record.paused)
    if (limited) throw refused(limited.at, 'laneLimits', `lane ${limited.record.name} has a limit or is paused`)
    for (const { at, record } of parsed.jobs) this.checkJob(at, record)

    const now = this.clock.now()
    const stored = await this.backend.stored(parsed.jobs.map(({ record }) => record.id))
    const fresh = parsed.jobs.map(({ record }) => record).filter((record) => !stored.has(record.id))
    const ended = fresh.filter((record) => ENDED.has(record.status))
    const toRun = fresh.filter((record) => !ENDED.has(record.status))
    await this.backend.keep(ended)
    await this.backend.enqueue(
      toRun.map((record) => rowOfRecord(record, record.status === 'running' ? now : Date.parse(record.runAfter))),
      now,
    )
    const notes: string[] = []
    if (toRun.some((record) => record.attempts > 0)) {
      notes.push('Jobs not yet finished start their attempts afresh on Redis: BullMQ counts only the attempts it ran.')
    }
    const given = parsed.settings?.record
    if (given?.paused !== undefined) await this.backend.setPaused(given.paused)
    if (given && Object.keys(given.settings).length > 0) {
      notes.push('The settings were not taken: on Redis each worker host has its own (offload worker --concurrency n).')
    }
    return {
      jobs: { added: fresh.length, skipped: parsed.jobs.length - fresh.length },
      schedules: { added: 0, skipped: 0 },
      watches: { added: 0, skipped: 0 },
      lanes: { added: 0, skipped: parsed.lanes.length },
      settings: given?.paused !== undefined,
      ...(notes.length > 0 ? { notes } : {}),
    }
  }

  private reachable(): void {
    if (!this.backend.reachable()) {
      throw new ApiError('storage_unavailable', `Redis at ${this.backend.target.shown} cannot be reached; try again once it is back`)
    }
  }

  /** What a job still to run needs that BullMQ here cannot give it. */
  private checkJob(at: number, record: JobRecord): void {
    if (ENDED.has(record.status)) return
    const settled = new Set(record.settled)
    if (record.after.some((id) => !settled.has(id))) throw refused(at, 'dependencies', `job ${record.id} waits for other jobs`)
    if (record.status === 'held') throw refused(at, 'hold', `job ${record.id} is held`)
    if (record.key !== null) throw refused(at, 'keys', `job ${record.id} has a key`)
    if (record.slots > 1) throw refused(at, 'slots', `job ${record.id} takes ${record.slots} slots`)
  }
}
