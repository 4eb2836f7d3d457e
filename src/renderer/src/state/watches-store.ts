import { create } from 'zustand'
import type { ApiClient } from '../../../shared/api'
import type { Job } from '../../../shared/job'
import type { Watch } from '../../../shared/watch'
import { onPageShown, pageShown } from './page-visibility'
import type { FeedOptions } from './schedules-store'

/** Read again this often while the view is on screen: watches have no event of their own, and a folder may come or go at any time. */
export const WATCH_POLL_MS = 3_000
/** Sooner while a watch is at work (looking through its folder, files settling): its counts are about to change. */
export const BUSY_POLL_MS = 1_000
/** A watch's new jobs read the list at most this often, however many files arrive. */
export const JOBS_READ_MS = 1_000

interface WatchesState {
  /** Null until the first read. */
  watches: Watch[] | null
  /** Why the last read failed, until one succeeds. */
  error: string | null
  /** A watch as an action's answer gave it, ahead of the next read. */
  put: (watch: Watch) => void
  /** A watch just deleted. */
  drop: (id: string) => void
}

/** As the server lists them: by folder, then by id. */
const byPath = (a: Watch, b: Watch): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export const useWatches = create<WatchesState>()((set) => ({
  watches: null,
  error: null,
  put: (watch) => set((s) => ({ watches: [...(s.watches ?? []).filter((w) => w.id !== watch.id), watch].sort(byPath) })),
  drop: (id) => set((s) => ({ watches: s.watches?.filter((w) => w.id !== id) ?? null })),
}))

/**
 * Whether a batch of changed jobs may be a watch's hand-over: a job of a
 * kind an enabled watch makes, not heard of before (jobs do not name their
 * watch). `heard` keeps the ids asked about, so a job's later progress and
 * status changes read nothing again.
 */
export function jobsConcernWatches(jobs: readonly Job[], watches: readonly Watch[], heard: Set<string>): boolean {
  const kinds = new Set(watches.filter((w) => w.enabled).map((w) => w.kind))
  if (kinds.size === 0) return false
  for (const w of watches) if (w.lastJobId) heard.add(w.lastJobId)
  let fresh = false
  for (const job of jobs) {
    if (!kinds.has(job.kind) || heard.has(job.id)) continue
    heard.add(job.id)
    fresh = true
  }
  return fresh
}

export interface WatchFeed {
  /** Starts reading: now, then on a timer while the panel is on screen, and when it is shown again. Returns the stop. */
  start(): () => void
  /** Reads now (after an action); asked while a read is under way, one more follows it. */
  refresh(): Promise<void>
  /** A batch of jobs events: read soon if it may hold a watch's new job. */
  jobsChanged(jobs: readonly Job[]): void
}

/**
 * Keeps useWatches fresh while the watches view is open. Each read sets the
 * next: sooner while a watch is scanning or has files settling. A hidden tab
 * reads nothing until it is shown again. When the contract gains a watches
 * event, the event can feed the store and the timer can go.
 */
export function createWatchFeed(api: Pick<ApiClient, 'listWatches'>, options: FeedOptions & { busyPollMs?: number } = {}): WatchFeed {
  const pollMs = options.pollMs ?? WATCH_POLL_MS
  const busyPollMs = options.busyPollMs ?? BUSY_POLL_MS
  const jobsReadMs = options.jobsRefreshMs ?? JOBS_READ_MS
  const visible = options.visible ?? pageShown
  const onShown = options.onShown ?? onPageShown
  const now = options.now ?? Date.now
  const heard = new Set<string>()
  let running = false
  let current: Promise<void> | null = null
  let queued = false
  let next: ReturnType<typeof setTimeout> | undefined
  let jobsRead: ReturnType<typeof setTimeout> | undefined
  let lastJobsRead = -Infinity

  const schedule = (): void => {
    clearTimeout(next)
    if (!running) return
    const busy = useWatches.getState().watches?.some((w) => w.state === 'scanning' || w.pendingFiles > 0) === true
    next = setTimeout(
      () => {
        if (visible()) void refresh()
        else schedule()
      },
      busy ? busyPollMs : pollMs,
    )
  }

  const read = async (): Promise<void> => {
    try {
      const { watches } = await api.listWatches({})
      if (running) useWatches.setState({ watches, error: null })
    } catch (error) {
      if (running) useWatches.setState({ error: error instanceof Error ? error.message : String(error) })
    }
  }

  const refresh = (): Promise<void> => {
    if (current) {
      queued = true
      return current
    }
    current = read().finally(() => {
      current = null
      if (queued && running) {
        queued = false
        void refresh()
      } else schedule()
    })
    return current
  }

  return {
    start() {
      running = true
      void refresh()
      const unlisten = onShown(() => void refresh())
      return () => {
        running = false
        clearTimeout(next)
        clearTimeout(jobsRead)
        jobsRead = undefined
        unlisten()
      }
    },
    refresh,
    jobsChanged(jobs) {
      if (!running || jobsRead !== undefined) return
      if (!jobsConcernWatches(jobs, useWatches.getState().watches ?? [], heard)) return
      jobsRead = setTimeout(
        () => {
          jobsRead = undefined
          lastJobsRead = now()
          void refresh()
        },
        Math.max(0, lastJobsRead + jobsReadMs - now()),
      )
    },
  }
}

/** The feed of the watches view while it is open; events from the jobs stream reach it through here. */
let open: WatchFeed | null = null

export function setWatchFeed(feed: WatchFeed | null): void {
  open = feed
}

/** A batch of jobs events arrived (see startSync's onJobs). */
export function watchesHearJobs(jobs: readonly Job[]): void {
  open?.jobsChanged(jobs)
}
