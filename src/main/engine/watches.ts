import { watch as watchFolder, type FSWatcher } from 'chokidar'
import { accessSync, constants, statSync, type Stats } from 'node:fs'
import { access, lstat, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import picomatch from 'picomatch'
import { monotonicFactory } from 'ulid'
import { ApiError } from '../../shared/errors'
import type { Job, ParsedNewJob } from '../../shared/job'
import { expandTemplate, type ParsedNewWatch, type Watch, type WatchState, type WatchUpdate } from '../../shared/watch'
import type { JobCommands } from './commands'
import type { Clock, Engine } from './engine'
import type { JobInsert, JobStore } from './job-store'
import { asStorageError } from './storage-error'
import type { FileKey, StoredWatch, WatchStore } from './watch-store'

/** Files handed over per transaction: a folder of 100,000 files found at start must not hold the loop for seconds. */
const HAND_OVER_CHUNK = 200
/** As long as a job's name may be; a deeper path keeps its end, which says the most. */
const MAX_NAME_LENGTH = 200
/** The file the kind's params are checked with when a watch is made: no real one need be there yet. */
const SAMPLE_FILE = 'example.txt'

export interface WatchOptions {
  /** How often each watch looks at its folder: whether a missing one has come, whether a watched one is still there. */
  watchPollMs: number
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = { watchPollMs: 2000 }

export interface WatchDeps {
  store: JobStore
  watches: WatchStore
  commands: JobCommands
  engine: Engine
  clock?: Clock
  /** The data folder: its database changes with every job, so a watch around it would feed itself. Never looked into. */
  dataDir: string
}

/**
 * Watched folders: the commands on them, and a watcher per enabled watch.
 * A file that appears or changes is handed over once it has been still for
 * the watch's settleMs: its job is inserted in the transaction that records
 * the file's path, size and modification time, so a crash neither loses nor
 * doubles it, and a file seen again unchanged (at the next start, say) adds
 * nothing. A file deleted is forgotten, so one put back at its path is new.
 * A folder that is missing, unreadable or a file is reported by the watch's
 * state and looked at again every watchPollMs until it can be watched.
 */
export class Watches {
  private readonly store: JobStore
  private readonly watches: WatchStore
  private readonly commands: JobCommands
  private readonly engine: Engine
  private readonly clock: Clock
  private readonly dataDir: string
  private readonly options: WatchOptions
  private readonly nextId = monotonicFactory()
  private readonly folders = new Map<string, FolderWatch>()
  /** Watchers being closed after an edit or a removal; stop() waits for them too. */
  private readonly closing = new Set<Promise<void>>()
  private stopped = false

  constructor(deps: WatchDeps, options: Partial<WatchOptions> = {}) {
    this.store = deps.store
    this.watches = deps.watches
    this.commands = deps.commands
    this.engine = deps.engine
    this.clock = deps.clock ?? { now: () => Date.now() }
    this.dataDir = resolve(deps.dataDir)
    this.options = { ...DEFAULT_WATCH_OPTIONS, ...options }
  }

  /** Each watch looks through its folder first: files that came while Offload was closed are handed over then. */
  start(): void {
    for (const watch of this.watches.all()) this.run(watch)
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const folder of this.folders.values()) this.retire(folder)
    this.folders.clear()
    await Promise.all(this.closing)
  }

  list(): Watch[] {
    return this.watches.all().map((w) => this.view(w))
  }

  get(id: string): Watch {
    return this.view(this.find(id))
  }

  create(input: ParsedNewWatch): Watch {
    const now = this.clock.now()
    const watch: StoredWatch = { ...input, path: resolve(input.path), id: this.nextId(now), createdAt: now }
    refuseFile(watch.path)
    this.checkJob(watch, now)
    this.store.transaction(() => this.watches.save(watch, now))
    this.run(watch)
    return this.view(watch)
  }

  update({ id, ...patch }: WatchUpdate): Watch {
    const now = this.clock.now()
    const old = this.find(id)
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<StoredWatch>
    const next: StoredWatch = { ...old, ...given, path: given.path === undefined ? old.path : resolve(given.path) }
    const moved = next.path !== old.path
    if (moved) refuseFile(next.path)
    if (moved || given.kind !== undefined || given.paramsTemplate !== undefined || given.slots !== undefined) this.checkJob(next, now)
    this.store.transaction(() => {
      this.watches.save(next, now)
      // The old folder's files say nothing of the new one's.
      if (moved) this.watches.forgetAll(id)
    })
    const folder = this.folders.get(id)
    const rewatch = moved || next.glob !== old.glob || next.recursive !== old.recursive || next.settleMs !== old.settleMs || next.enabled !== old.enabled
    if (folder && !rewatch) folder.config = next
    else {
      if (folder) this.retire(folder)
      this.run(next)
    }
    return this.view(next)
  }

  remove(id: string): void {
    const folder = this.folders.get(id)
    if (folder) this.retire(folder)
    const removed = this.store.transaction(() => this.watches.remove(id))
    if (!removed) throw notFound(id)
  }

  /** Watches stored by an import: each starts as at start-up, looking through its folder first. */
  adopt(ids: readonly string[]): void {
    for (const id of ids) {
      const watch = this.watches.get(id)
      if (watch && !this.folders.has(id)) this.run(watch)
    }
  }

  private run(watch: StoredWatch): void {
    if (this.stopped) return
    const folder = new FolderWatch(
      watch,
      {
        known: (path) => this.known(watch.id, path),
        handOver: (config, files) => this.handOver(config, files),
        forget: (path) => this.forget(watch.id, path),
        recorded: () => this.recorded(watch.id),
        insideDataFolder: (path) => path === this.dataDir || path.startsWith(this.dataDir + sep),
      },
      this.options.watchPollMs,
    )
    this.folders.set(watch.id, folder)
    folder.open()
  }

  private retire(folder: FolderWatch): void {
    if (this.folders.get(folder.config.id) === folder) this.folders.delete(folder.config.id)
    const closed = folder.close()
    this.closing.add(closed)
    void closed.finally(() => this.closing.delete(closed))
  }

  private find(id: string): StoredWatch {
    const watch = this.watches.get(id)
    if (!watch) throw notFound(id)
    return watch
  }

  /** The kind, the template and the slots are checked as a job for a file in the folder would be, so a watch never makes what could not run. */
  private checkJob(watch: StoredWatch, now: number): void {
    const sample = join(watch.path, SAMPLE_FILE)
    try {
      this.commands.prepareJob(jobOf(watch, sample, SAMPLE_FILE), now)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      // Slots above the concurrency setting: the field it names is the watch's own, and no file has a part in it.
      if (error.code === 'invalid_input') throw error
      const detail = Array.isArray(error.detail)
        ? (error.detail as { path: string; message: string }[]).map((d) => ({ ...d, path: d.path ? `paramsTemplate.${d.path}` : 'paramsTemplate' }))
        : [{ path: error.code === 'unknown_kind' ? 'kind' : 'paramsTemplate', message: error.message }]
      const message = error.code === 'unknown_kind' ? error.message : `${error.message} (with {{path}} as ${sample})`
      throw new ApiError(error.code, message, detail)
    }
  }

  private known(watchId: string, path: string): FileKey | undefined {
    try {
      return this.watches.file(watchId, path)
    } catch (error) {
      // The engine reports storage trouble to everyone; the file waits to settle and its hand-over tries again.
      if (!asStorageError(error)) throw error
      return undefined
    }
  }

  private forget(watchId: string, path: string): void {
    try {
      this.store.transaction(() => this.watches.forgetFile(watchId, path))
    } catch (error) {
      // Left for the look after the next scan, which forgets what is gone.
      if (!asStorageError(error)) throw error
    }
  }

  private recorded(watchId: string): string[] {
    try {
      return this.watches.paths(watchId)
    } catch (error) {
      if (!asStorageError(error)) throw error
      return []
    }
  }

  /**
   * Settled files become jobs, each with its record in one transaction. A
   * file recorded with this size and modification time is already handed
   * over; one whose job can't be made (its name fails the kind's params,
   * say) is recorded as skipped, so it is not tried again until it changes.
   * False when storage trouble rolled it all back: the caller tries again.
   */
  private handOver(watch: StoredWatch, files: readonly SettledFile[]): boolean {
    const now = this.clock.now()
    let added: Job[]
    try {
      added = this.store.transaction(() => {
        const jobs: Job[] = []
        for (const file of files) {
          const known = this.watches.file(watch.id, file.path)
          if (known && sameKey(known, file)) continue
          const made = this.tryJob(watch, file.path, now)
          if ('row' in made) this.store.insert([made.row])
          this.watches.recordFile({
            watchId: watch.id,
            path: file.path,
            size: file.size,
            mtimeMs: file.mtimeMs,
            jobId: 'row' in made ? made.row.id : null,
            problem: 'problem' in made ? made.problem : null,
            seenAt: now,
          })
          if ('row' in made) jobs.push(this.store.get(made.row.id)!)
        }
        return jobs
      })
    } catch (error) {
      // The engine reports storage trouble to everyone.
      if (!asStorageError(error)) throw error
      return false
    }
    if (added.length > 0) this.engine.jobsAdded(added)
    return true
  }

  private tryJob(watch: StoredWatch, path: string, now: number): { row: JobInsert } | { problem: string } {
    try {
      return { row: this.commands.prepareMadeJob(jobOf(watch, join(watch.path, path), path), now) }
    } catch (error) {
      if (error instanceof ApiError && (error.code === 'unknown_kind' || error.code === 'invalid_params')) return { problem: error.message }
      throw error
    }
  }

  private view(watch: StoredWatch): Watch {
    const { createdAt, ...fields } = watch
    const folder = this.folders.get(watch.id)
    const summary = this.watches.summary(watch.id)
    return {
      ...fields,
      createdAt: new Date(createdAt).toISOString(),
      state: folder?.state ?? 'disabled',
      stateMessage: folder?.message ?? null,
      pendingFiles: folder?.pendingCount ?? 0,
      handedOver: summary.handedOver,
      lastFileAt: summary.lastFileAt === null ? null : new Date(summary.lastFileAt).toISOString(),
      lastJobId: summary.lastJobId,
      lastSkipped: summary.lastSkipped && { ...summary.lastSkipped, at: new Date(summary.lastSkipped.at).toISOString() },
    }
  }
}

interface SettledFile extends FileKey {
  /** Relative to the watch's folder. */
  path: string
}

interface FolderDeps {
  known(path: string): FileKey | undefined
  handOver(watch: StoredWatch, files: readonly SettledFile[]): boolean
  forget(path: string): void
  /** The paths the watch has records of. */
  recorded(): string[]
  insideDataFolder(path: string): boolean
}

interface Pending extends FileKey {
  timer: NodeJS.Timeout
}

type Inspection = { ok: true; dev: number; ino: number } | { ok: false; state: WatchState; message: string }

/**
 * One watch's folder: a chokidar watcher while the folder is there, a look
 * every pollMs at whether it still is (or has come), and a timer per file
 * that is still changing. Each time the watcher is replaced, `generation`
 * moves on, so the late events and stats of the old one are dropped.
 */
class FolderWatch {
  state: WatchState = 'scanning'
  message: string | null = null
  private watcher: FSWatcher | undefined
  private root: { dev: number; ino: number } | undefined
  private readonly pending = new Map<string, Pending>()
  private ready: { path: string; entry: Pending }[] = []
  private flushing: NodeJS.Immediate | undefined
  /** The files the first scan of this watcher reported, until it is done. */
  private seen: Set<string> | undefined
  private generation = 0
  private timer: NodeJS.Timeout | undefined
  private checking: Promise<void> | undefined
  private checkAgain = false
  private closed = false
  private readonly matches: (path: string) => boolean

  constructor(
    /** The watch's settings; kind, template, priority, lane and slots may change under a running watcher, the rest make a new one. */
    public config: StoredWatch,
    private readonly deps: FolderDeps,
    private readonly pollMs: number,
  ) {
    this.matches = globMatcher(config.glob)
  }

  get pendingCount(): number {
    return this.pending.size
  }

  /** The first look is synchronous, so the watch's state is known when it is made. */
  open(): void {
    if (!this.config.enabled) {
      this.state = 'disabled'
      return
    }
    let found: Inspection
    try {
      const stats = statSync(this.config.path)
      if (stats.isDirectory()) accessSync(this.config.path, constants.R_OK | constants.X_OK)
      found = inspected(this.config.path, stats, this.pollMs)
    } catch (error) {
      found = inspectionFailed(this.config.path, error, this.pollMs)
    }
    this.apply(found)
    this.arm()
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    if (this.flushing) clearImmediate(this.flushing)
    await this.checking
    await this.stopWatcher()
  }

  /** A look at the folder now; one asked for while a look is under way follows it. */
  private check(): void {
    if (this.closed) return
    if (this.checking) {
      this.checkAgain = true
      return
    }
    clearTimeout(this.timer)
    this.checking = this.inspect()
      .then(async (found) => {
        if (this.closed) return
        if (!found.ok || (this.root && (this.root.dev !== found.dev || this.root.ino !== found.ino))) await this.stopWatcher()
        if (!this.closed) this.apply(found)
      })
      .catch((error: unknown) => {
        this.state = 'unreadable'
        this.message = `Watching ${this.config.path} failed: ${(error as Error).message}; trying again every ${seconds(this.pollMs)}`
      })
      .finally(() => {
        this.checking = undefined
        if (this.checkAgain) {
          this.checkAgain = false
          this.check()
        } else this.arm()
      })
  }

  private arm(): void {
    if (this.closed) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.check(), this.pollMs).unref()
  }

  private async inspect(): Promise<Inspection> {
    try {
      const stats = await stat(this.config.path)
      if (stats.isDirectory()) await access(this.config.path, constants.R_OK | constants.X_OK)
      return inspected(this.config.path, stats, this.pollMs)
    } catch (error) {
      return inspectionFailed(this.config.path, error, this.pollMs)
    }
  }

  /** A folder that can be watched gets a watcher (if it has none); otherwise the state says why not. */
  private apply(found: Inspection): void {
    if (!found.ok) {
      this.state = found.state
      this.message = found.message
    } else if (!this.watcher) this.startWatcher(found)
  }

  private startWatcher(root: { dev: number; ino: number }): void {
    const generation = ++this.generation
    this.root = root
    this.state = 'scanning'
    this.message = 'Looking through the files already there'
    this.seen = new Set()
    const watcher = watchFolder(this.config.path, {
      ignoreInitial: false,
      alwaysStat: true,
      // A link may lead out of the folder, or round in a circle.
      followSymlinks: false,
      ...(this.config.recursive ? {} : { depth: 0 }),
      // Files the glob leaves out are not watched at all; folders are, for what they hold.
      ignored: (path, stats) => this.deps.insideDataFolder(path) || (stats?.isFile() === true && this.relative(path) === undefined),
    })
    watcher.on('add', (path, stats) => this.fileEvent(generation, path, stats))
    watcher.on('change', (path, stats) => this.fileEvent(generation, path, stats))
    watcher.on('unlink', (path) => this.fileGone(generation, path))
    watcher.on('unlinkDir', (path) => {
      if (generation === this.generation && path === this.config.path) this.check()
    })
    // What went wrong (the folder went, or can't be read now) is for the look at the folder to say.
    watcher.on('error', () => {
      if (generation === this.generation) this.check()
    })
    watcher.on('ready', () => this.scanned(generation))
    this.watcher = watcher
  }

  private async stopWatcher(): Promise<void> {
    this.generation++
    for (const entry of this.pending.values()) clearTimeout(entry.timer)
    this.pending.clear()
    this.ready = []
    this.seen = undefined
    this.root = undefined
    const watcher = this.watcher
    this.watcher = undefined
    await watcher?.close()
  }

  /** The path relative to the folder, when it is one the glob takes. */
  private relative(path: string): string | undefined {
    const rel = relative(this.config.path, path)
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined
    return this.matches(rel) ? rel : undefined
  }

  /** A file came or changed: it waits settleMs, unless it is as it was when handed over. */
  private fileEvent(generation: number, path: string, stats: Stats | undefined): void {
    if (generation !== this.generation || !stats?.isFile() || this.deps.insideDataFolder(path)) return
    const rel = this.relative(path)
    if (rel === undefined) return
    this.seen?.add(rel)
    const key = keyOf(stats)
    if (!this.pending.has(rel)) {
      const known = this.deps.known(rel)
      if (known && sameKey(known, key)) return
    }
    this.wait(rel, key)
  }

  private wait(rel: string, key: FileKey): void {
    clearTimeout(this.pending.get(rel)?.timer)
    const generation = this.generation
    const entry: Pending = {
      ...key,
      timer: setTimeout(() => void this.settle(generation, rel, entry), this.config.settleMs).unref(),
    }
    this.pending.set(rel, entry)
  }

  /** settleMs after the file's last event: if it is as it was then, it is still, and handed over; if not, it waits again. */
  private async settle(generation: number, rel: string, entry: Pending): Promise<void> {
    let stats: Stats | undefined
    try {
      stats = await stat(join(this.config.path, rel))
    } catch {
      // Gone before it settled (its unlink event says so too), or no longer ours to read.
    }
    if (generation !== this.generation || this.pending.get(rel) !== entry) return
    if (!stats?.isFile()) {
      this.pending.delete(rel)
      return
    }
    const key = keyOf(stats)
    if (!sameKey(key, entry)) return this.wait(rel, key)
    this.ready.push({ path: rel, entry })
    this.flushing ??= setImmediate(() => this.flush())
  }

  /** The files settled by now, a chunk per transaction; those a storage failure kept back wait another settleMs. */
  private flush(): void {
    this.flushing = undefined
    if (this.closed) return
    const batch = this.ready.splice(0, HAND_OVER_CHUNK).filter(({ path, entry }) => this.pending.get(path) === entry)
    if (this.ready.length > 0) this.flushing = setImmediate(() => this.flush())
    if (batch.length === 0) return
    const handed = this.deps.handOver(
      this.config,
      batch.map(({ path, entry }) => ({ path, size: entry.size, mtimeMs: entry.mtimeMs })),
    )
    for (const { path, entry } of batch) {
      if (handed) this.pending.delete(path)
      else this.wait(path, entry)
    }
  }

  private fileGone(generation: number, path: string): void {
    if (generation !== this.generation) return
    const rel = this.relative(path)
    if (rel === undefined) return
    clearTimeout(this.pending.get(rel)?.timer)
    this.pending.delete(rel)
    this.deps.forget(rel)
  }

  /** The first scan is done: files deleted while nobody watched are forgotten, once a look confirms they are gone. */
  private scanned(generation: number): void {
    if (generation !== this.generation) return
    this.state = 'watching'
    this.message = null
    const seen = this.seen ?? new Set<string>()
    this.seen = undefined
    void this.forgetGone(generation, seen)
  }

  private async forgetGone(generation: number, seen: ReadonlySet<string>): Promise<void> {
    for (const rel of this.deps.recorded()) {
      if (seen.has(rel) || this.pending.has(rel)) continue
      const gone = await lstat(join(this.config.path, rel)).then(
        () => false,
        (error: NodeJS.ErrnoException) => error.code === 'ENOENT' || error.code === 'ENOTDIR',
      )
      if (generation !== this.generation || this.closed) return
      if (gone) this.deps.forget(rel)
    }
  }
}

/** A glob without "/" is matched against the file's name, so "*.pdf" finds PDFs at any depth; with one, against the whole relative path. */
function globMatcher(glob: string): (rel: string) => boolean {
  const byName = !glob.includes('/')
  const isMatch = picomatch(glob, { dot: false })
  return (rel) => isMatch(byName ? basename(rel) : rel.split(sep).join('/'))
}

function inspected(path: string, stats: Stats, pollMs: number): Inspection {
  if (stats.isDirectory()) return { ok: true, dev: stats.dev, ino: stats.ino }
  return { ok: false, state: 'not_a_folder', message: `${path} is a file, not a folder; looking again every ${seconds(pollMs)}` }
}

function inspectionFailed(path: string, error: unknown, pollMs: number): Inspection {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return { ok: false, state: 'missing', message: `No folder at ${path}; watching starts when it appears (looking every ${seconds(pollMs)})` }
  return {
    ok: false,
    state: 'unreadable',
    message: `Offload can't read ${path} (${code ?? (error as Error).message}); looking again every ${seconds(pollMs)}`,
  }
}

/** Creating or moving a watch onto a file is refused; a folder that is not there yet is fine (a drive not plugged in, say). */
function refuseFile(path: string): void {
  let stats: Stats
  try {
    stats = statSync(path)
  } catch {
    return
  }
  if (!stats.isDirectory()) throw new ApiError('invalid_input', `path: ${path} is a file, not a folder`, [{ path: 'path', message: 'A file, not a folder' }])
}

/** The dedupe key: modification times in whole milliseconds (a time set back by utimes comes back within a microsecond of the old one). */
function keyOf(stats: Stats): FileKey {
  return { size: stats.size, mtimeMs: Math.round(stats.mtimeMs) }
}

function sameKey(a: FileKey, b: FileKey): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs
}

function jobOf(watch: StoredWatch, path: string, rel: string): ParsedNewJob {
  const name = rel.split(sep).join('/')
  return {
    kind: watch.kind,
    params: expandTemplate(watch.paramsTemplate, { path, name: basename(path), dir: dirname(path) }),
    name: name.length > MAX_NAME_LENGTH ? `…${name.slice(-(MAX_NAME_LENGTH - 1))}` : name,
    priority: watch.priority,
    ...(watch.lane !== null ? { lane: watch.lane } : {}),
    slots: watch.slots,
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

function notFound(id: string): ApiError {
  return new ApiError('not_found', `No watch with id ${id}`)
}
