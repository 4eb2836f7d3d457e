import type { z } from 'zod'
import { ApiError, describeIssues, type ApiErrorCode } from '../../shared/errors'
import {
  EXPORT_VERSION,
  ExportHeaderSchema,
  RECORD_SCHEMAS,
  RECORD_TYPES,
  type ExportRecord,
  type ImportResult,
  type JobRecord,
  type LaneRecord,
  type RecordType,
  type ScheduleRecord,
  type SettingsRecord,
  type WatchRecord,
} from '../../shared/export'
import type { JobStatus, Settings } from '../../shared/job'
import type { LanePolicy } from '../../shared/lane'
import { jsonShapeProblem } from '../../shared/json-shape'
import type { KindRegistry } from '../kinds/registry'
import { SETTING_PAUSED, type Clock, type Engine } from './engine'
import type { ExportedJob, JobImport, JobStore } from './job-store'
import type { LaneStore } from './lane-store'
import type { ScheduleStore } from './schedule-store'
import type { Schedules } from './schedules'
import { saveSettings } from './settings'
import type { WatchStore } from './watch-store'
import type { Watches } from './watches'

/** Jobs read per page of an export: a page is one chunk of the stream, and the engine gets a turn between pages. */
export const EXPORT_PAGE_SIZE = 500

export interface TransferDeps {
  store: JobStore
  scheduleStore: ScheduleStore
  watchStore: WatchStore
  laneStore: LaneStore
  engine: Engine
  schedules: Schedules
  watches: Watches
  kinds: KindRegistry
  clock: Clock
}

const iso = (ms: number): string => new Date(ms).toISOString()
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms))
const ms = (instant: string): number => Date.parse(instant)
const msOrNull = (instant: string | null): number | null => (instant === null ? null : ms(instant))
export const line = (record: unknown): string => `${JSON.stringify(record)}\n`

const ENDED: ReadonlySet<JobStatus> = new Set(['failed', 'cancelled'])

/** A refusal that names the line (1-based, as an editor counts) and the field. */
function lineError(code: ApiErrorCode, at: number, path: string, message: string): ApiError {
  return new ApiError(code, `Line ${at}${path ? `, ${path}` : ''}: ${message}`, [{ line: at, path, message }])
}

export interface Parsed {
  jobs: { at: number; record: JobRecord }[]
  schedules: { at: number; record: ScheduleRecord }[]
  watches: { at: number; record: WatchRecord }[]
  lanes: { at: number; record: LaneRecord }[]
  settings: { at: number; record: SettingsRecord } | undefined
}

/**
 * Every line of an export checked, the first bad one refused: JSON, shape,
 * the header and its version, each record's schema, ids given twice.
 * Nothing here reads the queue.
 */
export function parseExport(text: string): Parsed {
  const parsed: Parsed = { jobs: [], schedules: [], watches: [], lanes: [], settings: undefined }
  const seen = new Map<string, number>()
  let header = false
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const at = i + 1
    const raw = lines[i]!.trim()
    if (raw === '') continue
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (error) {
      throw lineError('invalid_json', at, '', `not valid JSON: ${(error as Error).message}`)
    }
    const problem = jsonShapeProblem(value)
    if (problem) throw lineError('invalid_input', at, problem.path, problem.message)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw lineError('invalid_input', at, '', 'each line must be a JSON object')
    const type = (value as { type?: unknown }).type
    if (!header) {
      if (type !== 'offload-export') {
        throw lineError('invalid_input', at, 'type', `an export starts with its header, {"type":"offload-export","version":${EXPORT_VERSION},"exportedAt":…}`)
      }
      const head = checked(ExportHeaderSchema, value, at)
      if (head.version !== EXPORT_VERSION) {
        throw lineError('invalid_input', at, 'version', `this Offload reads version ${EXPORT_VERSION} exports; this file is version ${head.version}`)
      }
      header = true
      continue
    }
    if (typeof type !== 'string' || !(RECORD_TYPES as string[]).includes(type)) {
      const given = typeof type === 'string' ? `"${type}"` : 'missing'
      throw lineError('invalid_input', at, 'type', `unknown record type (${given}); expected one of ${RECORD_TYPES.join(', ')}`)
    }
    const record: ExportRecord = checked<z.ZodType<ExportRecord>>(RECORD_SCHEMAS[type as RecordType], value, at)
    const key = record.type === 'settings' ? 'settings' : `${record.type}:${record.type === 'lane' ? record.name : record.id}`
    const first = seen.get(key)
    if (first !== undefined) {
      const what = record.type === 'settings' ? 'a second settings record' : `${record.type} ${record.type === 'lane' ? record.name : record.id} again`
      throw lineError('invalid_input', at, record.type === 'lane' ? 'name' : record.type === 'settings' ? 'type' : 'id', `${what} (first on line ${first})`)
    }
    seen.set(key, at)
    if (record.type === 'job') parsed.jobs.push({ at, record })
    else if (record.type === 'schedule') parsed.schedules.push({ at, record })
    else if (record.type === 'watch') parsed.watches.push({ at, record })
    else if (record.type === 'lane') parsed.lanes.push({ at, record })
    else parsed.settings = { at, record }
  }
  if (!header) throw new ApiError('invalid_input', `The file is empty: an export starts with {"type":"offload-export","version":${EXPORT_VERSION},…}`)
  return parsed
}

/** Every job, schedule and watch names a kind this machine has; the first that does not is refused by its line. */
export function checkKinds(parsed: Parsed, kinds: KindRegistry): void {
  const records = [...parsed.jobs, ...parsed.schedules, ...parsed.watches].sort((a, b) => a.at - b.at)
  const unknown = records.find(({ record }) => !kinds.get(record.kind))
  if (!unknown) return
  throw lineError('unknown_kind', unknown.at, 'kind', `No job kind "${unknown.record.kind}"; known kinds: ${kinds.names().join(', ')}`)
}

function checked<T extends z.ZodType>(schema: T, value: unknown, at: number): z.output<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const { detail } = describeIssues(result.error.issues.slice(0, 1))
  throw lineError('invalid_input', at, detail[0]!.path, detail[0]!.message)
}

/**
 * The settings that belong to the queue. Which shared Redis queue this
 * computer joins (and its password) is the computer's own: never written
 * out, never taken from a file.
 */
function queueSettings<T extends { redis?: unknown }>(settings: T): Omit<T, 'redis'> {
  const { redis: _computers, ...queue } = settings
  return queue
}

/**
 * Moving a queue between data folders: an export streams every job,
 * schedule, watch, lane setting and the settings as JSON Lines; an import
 * checks a whole file, then stores it in one transaction (a bad file
 * changes nothing). Ids are kept, so dependencies still point at the right
 * jobs, and a record whose id is stored already is skipped.
 */
export class QueueTransfer {
  constructor(private readonly deps: TransferDeps) {}

  /**
   * The export, a chunk of lines at a time: header, settings, lanes,
   * schedules, watches, then the jobs a page at a time in id order. Not a
   * snapshot: each record is as it was when its page was read.
   */
  *exportChunks(): Generator<string> {
    const { store, engine } = this.deps
    const header = line({ type: 'offload-export', version: EXPORT_VERSION, exportedAt: iso(this.deps.clock.now()) })
    const settings: SettingsRecord = { type: 'settings', settings: queueSettings(engine.settings()), paused: engine.stats().paused }
    const { lanes, schedules, watches } = store.read(() => ({
      lanes: [...this.deps.laneStore.all()].map(([name, policy]): LaneRecord => ({ type: 'lane', name, ...policy })),
      schedules: this.deps.scheduleStore.all(),
      watches: this.deps.watchStore.all().map((watch) => ({ watch, files: this.deps.watchStore.files(watch.id) })),
    }))
    // The first chunk reads the database already, so trouble with it is a typed refusal rather than a cut-off stream.
    yield header + line(settings) + lanes.map(line).join('')
    yield schedules
      .map((s): ScheduleRecord => ({ type: 'schedule', ...s, createdAt: iso(s.createdAt), nextAt: isoOrNull(s.nextAt) }))
      .map(line)
      .join('')
    for (const { watch, files } of watches) {
      const record: WatchRecord = {
        type: 'watch',
        ...watch,
        createdAt: iso(watch.createdAt),
        files: files.map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, jobId: f.jobId, problem: f.problem, seenAt: iso(f.seenAt) })),
      }
      yield line(record)
    }
    for (let after = ''; ;) {
      const page = store.exportPage(after, EXPORT_PAGE_SIZE)
      if (page.length === 0) return
      yield page.map((exported) => line(jobRecord(exported))).join('')
      after = page.at(-1)!.job.id
    }
  }

  /** Checks every line, then stores it all in one transaction; the engine takes the new jobs up at once. */
  importText(text: string): ImportResult {
    const parsed = parseExport(text)
    checkKinds(parsed, this.deps.kinds)
    const now = this.deps.clock.now()
    const { store } = this.deps
    const result: ImportResult = {
      jobs: { added: 0, skipped: 0 },
      schedules: { added: 0, skipped: 0 },
      watches: { added: 0, skipped: 0 },
      lanes: { added: 0, skipped: 0 },
      settings: parsed.settings !== undefined,
    }
    const addedLanes: [string, LanePolicy][] = []
    const addedWatches: string[] = []
    store.transaction(() => {
      result.jobs = store.importJobs(this.jobImports(parsed.jobs, now), now)
      for (const { record } of parsed.schedules) {
        if (this.deps.scheduleStore.get(record.id)) {
          result.schedules.skipped++
          continue
        }
        const { type: _type, ...schedule } = record
        this.deps.scheduleStore.save({ ...schedule, createdAt: ms(record.createdAt), nextAt: msOrNull(record.nextAt) }, now)
        result.schedules.added++
      }
      for (const { record } of parsed.watches) {
        if (this.deps.watchStore.get(record.id)) {
          result.watches.skipped++
          continue
        }
        const { type: _type, files, ...watch } = record
        this.deps.watchStore.save({ ...watch, createdAt: ms(record.createdAt) }, now)
        for (const f of files) this.deps.watchStore.recordFile({ watchId: record.id, ...f, seenAt: ms(f.seenAt) })
        addedWatches.push(record.id)
        result.watches.added++
      }
      const lanes = this.deps.laneStore.all()
      for (const { record } of parsed.lanes) {
        // An open lane has nothing to set; one with settings here keeps them.
        if (lanes.has(record.name) || (record.concurrency === null && !record.paused)) {
          result.lanes.skipped++
          continue
        }
        const policy: LanePolicy = { concurrency: record.concurrency, paused: record.paused }
        this.deps.laneStore.save(record.name, policy, now)
        addedLanes.push([record.name, policy])
        result.lanes.added++
      }
      if (parsed.settings) {
        const { settings, paused } = parsed.settings.record
        const given = Object.fromEntries(Object.entries(queueSettings(settings)).filter(([, value]) => value !== undefined)) as Partial<Settings>
        saveSettings(store, { ...this.deps.engine.settings(), ...given })
        if (paused !== undefined) store.setSetting(SETTING_PAUSED, String(paused))
      }
    })
    this.takeUp(parsed.settings?.record, addedLanes, addedWatches)
    return result
  }

  /** Committed: the scheduler, the schedules' timer and the watchers follow what was stored. */
  private takeUp(settings: SettingsRecord | undefined, lanes: readonly [string, LanePolicy][], watches: readonly string[]): void {
    const { engine } = this.deps
    for (const [name, policy] of lanes) engine.setLanePolicy(name, policy)
    if (settings) {
      if (settings.paused !== undefined && settings.paused !== engine.stats().paused) {
        if (settings.paused) engine.pause()
        else engine.resume()
      }
      engine.updateSettings(queueSettings(settings.settings))
    }
    engine.jobsAdded([])
    this.deps.schedules.check()
    this.deps.watches.adopt(watches)
  }

  /**
   * The rows to insert, inside the import's transaction: every dependency
   * not yet settled must name a job in the file or in the queue. An edge is
   * settled if the file says so or its parent has done its part already.
   */
  private jobImports(jobs: Parsed['jobs'], now: number): JobImport[] {
    const { store } = this.deps
    const inFile = new Map(jobs.map(({ record }) => [record.id, record]))
    const parentOf = (id: string): { status: JobStatus; name: string } | undefined => {
      const status = store.statusOf(id)
      if (status !== undefined) return { status, name: store.nameOf(id) ?? id }
      const record = inFile.get(id)
      return record && { status: arriving(record, now).status, name: record.name }
    }
    return jobs.map(({ at, record }) => {
      const settledInFile = new Set(record.settled)
      let failedBy: string | undefined
      const after = record.after.map((id, i) => {
        if (settledInFile.has(id)) return { id, settled: true }
        const parent = parentOf(id)
        if (!parent) throw lineError('invalid_input', at, `after.${i}`, `No job with id ${id} in the file or in the queue`)
        const ended = ENDED.has(parent.status)
        if (ended && record.onDependencyFailure === 'fail') failedBy ??= `“${parent.name}”, a job it depends on, had already ${parent.status}`
        return { id, settled: parent.status === 'succeeded' || (ended && record.onDependencyFailure === 'run') }
      })
      return { ...arriving(record, now), after, failedBy }
    })
  }
}

/** A job record as its row arrives: a job that was running comes back as recovery after a crash brings it back. */
function arriving(record: JobRecord, now: number): Omit<JobImport, 'after' | 'failedBy'> {
  const row: Omit<JobImport, 'after' | 'failedBy'> = {
    id: record.id,
    kind: record.kind,
    name: record.name,
    paramsJson: JSON.stringify(record.params),
    priority: record.priority,
    status: record.status === 'running' ? 'queued' : record.status,
    progress: record.progress.fraction,
    progressMessage: record.progress.message,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    timeoutMs: record.timeoutMs,
    backoffBaseMs: record.backoffBaseMs,
    backoffCapMs: record.backoffCapMs,
    runAfter: ms(record.runAfter),
    createdAt: ms(record.createdAt),
    startedAt: msOrNull(record.startedAt),
    finishedAt: msOrNull(record.finishedAt),
    resultJson: record.result === undefined || record.result === null ? null : JSON.stringify(record.result),
    summary: record.summary,
    error: record.error,
    lane: record.lane,
    slots: record.slots,
    onDependencyFailure: record.onDependencyFailure,
    key: record.key,
    maxMemoryMb: record.maxMemoryMb,
    cpuMs: record.usage?.cpuMs ?? null,
    peakRssBytes: record.usage?.peakRssBytes ?? null,
  }
  if (record.status !== 'running') return row
  // Begun by its worker: the attempt counts, as after a crash; only claimed: as if never claimed.
  const begun = record.startedAt !== null
  const attempts = begun ? record.attempts : Math.max(0, record.attempts - 1)
  const spent = begun && attempts >= record.maxAttempts
  return {
    ...row,
    status: spent ? 'failed' : 'queued',
    attempts,
    runAfter: now,
    finishedAt: spent ? now : null,
    progress: 0,
    progressMessage: null,
    ...(begun ? { error: { code: 'interrupted', message: 'Offload stopped while this job was running (it was exported while running)' } } : {}),
  }
}

function jobRecord({ job, backoffBaseMs, backoffCapMs, after }: ExportedJob): JobRecord {
  return {
    type: 'job',
    id: job.id,
    kind: job.kind,
    name: job.name,
    params: job.params as Record<string, unknown>,
    priority: job.priority,
    status: job.status,
    progress: job.progress,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    backoffBaseMs,
    backoffCapMs,
    runAfter: job.runAfter,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    result: job.result,
    summary: job.summary,
    error: job.error,
    lane: job.lane,
    slots: job.slots,
    after: after.map((edge) => edge.id),
    settled: after.filter((edge) => edge.settled).map((edge) => edge.id),
    onDependencyFailure: job.onDependencyFailure,
    key: job.key,
    maxMemoryMb: job.maxMemoryMb,
    usage: job.usage && { cpuMs: job.usage.cpuMs, peakRssBytes: job.usage.peakRssBytes },
  }
}
