import { create } from 'zustand'
import type { ApiClient } from '../../../shared/api'
import type { Job } from '../../../shared/job'
import type { Schedule, ScheduleDetail } from '../../../shared/schedule'
import { ApiError } from '../../../shared/wire-error'

/** Read again this often while the view is on screen: schedules have no event of their own yet. */
export const POLL_MS = 15_000
/** Jobs events come many a second while jobs run; a schedule's run starting or ending reads the list at most this often. */
export const JOBS_REFRESH_MS = 2_000

interface SchedulesState {
  /** Null until the first read. */
  schedules: Schedule[] | null
  /** The schedules shown in full (their history), by id. */
  details: Record<string, ScheduleDetail>
  /** Why the last read failed, until one succeeds. */
  error: string | null
  /** A schedule as an action's answer gave it, ahead of the next read. */
  put: (schedule: Schedule) => void
  /** A schedule just deleted. */
  drop: (id: string) => void
}

const byName = (a: Schedule, b: Schedule): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export const useSchedules = create<SchedulesState>()((set) => ({
  schedules: null,
  details: {},
  error: null,
  put: (schedule) =>
    set((s) => {
      const others = (s.schedules ?? []).filter((x) => x.id !== schedule.id)
      const detail = s.details[schedule.id]
      return {
        // The server lists them by name.
        schedules: [...others, schedule].sort(byName),
        details: detail ? { ...s.details, [schedule.id]: { ...schedule, history: detail.history } } : s.details,
      }
    }),
  drop: (id) =>
    set((s) => {
      const { [id]: _gone, ...details } = s.details
      return { schedules: s.schedules?.filter((x) => x.id !== id) ?? null, details }
    }),
}))

/**
 * Whether a batch of changed jobs may change what the schedules view shows:
 * a run's job whose status moved on, or a job a schedule has just made (it
 * carries the schedule's kind and name; jobs do not name their schedule).
 * Progress ticks of a run already shown do not count.
 */
export function jobsConcernSchedules(jobs: readonly Job[], schedules: readonly Schedule[], details: Readonly<Record<string, ScheduleDetail>>): boolean {
  if (schedules.length === 0) return false
  const shown = new Map<string, string | null>()
  for (const s of schedules) if (s.lastRun?.jobId) shown.set(s.lastRun.jobId, s.lastRun.status)
  for (const d of Object.values(details)) for (const run of d.history) if (run.jobId) shown.set(run.jobId, run.status)
  const made = new Set(schedules.map((s) => `${s.kind}\n${s.name}`))
  return jobs.some((job) => (shown.has(job.id) ? shown.get(job.id) !== job.status : made.has(`${job.kind}\n${job.name}`)))
}

export interface FeedOptions {
  pollMs?: number
  jobsRefreshMs?: number
  /** Whether the panel is on screen: a hidden tab reads nothing until it is shown again. */
  visible?: () => boolean
  /** Calls back when the panel is shown again; returns the unsubscribe. */
  onShown?: (listener: () => void) => () => void
  now?: () => number
}

/**
 * Keeps useSchedules fresh while the schedules view is open: reads on start,
 * when asked (after an action), after jobs events that concern a schedule
 * (throttled), and on a timer while visible. When the contract gains a
 * schedules event, the event can feed the store and the timer can go.
 */
export class ScheduleFeed {
  private readonly followed = new Set<string>()
  private reading: Promise<void> | null = null
  private readAgain = false
  private lastJobsRead = -Infinity
  private jobsTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private readonly pollMs: number
  private readonly jobsRefreshMs: number
  private readonly visible: () => boolean
  private readonly onShown: ((listener: () => void) => () => void) | undefined
  private readonly now: () => number

  constructor(
    private readonly api: Pick<ApiClient, 'listSchedules' | 'getSchedule'>,
    options: FeedOptions = {},
  ) {
    this.pollMs = options.pollMs ?? POLL_MS
    this.jobsRefreshMs = options.jobsRefreshMs ?? JOBS_REFRESH_MS
    this.visible = options.visible ?? (() => true)
    this.onShown = options.onShown
    this.now = options.now ?? Date.now
  }

  /** Starts reading: now, on the timer, and when the tab is shown again. Returns the stop. */
  start(): () => void {
    this.stopped = false
    void this.refresh()
    const timer = setInterval(() => {
      if (this.visible()) void this.refresh()
    }, this.pollMs)
    const unwatch = this.onShown?.(() => void this.refresh())
    return () => {
      this.stopped = true
      clearInterval(timer)
      clearTimeout(this.jobsTimer)
      this.jobsTimer = undefined
      unwatch?.()
    }
  }

  /** Reads the list (and the schedules shown in full) now; asked while a read is under way, one more follows it. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.readAgain = true
      return this.reading
    }
    this.reading = this.read().finally(() => {
      this.reading = null
      if (this.readAgain && !this.stopped) {
        this.readAgain = false
        void this.refresh()
      }
    })
    return this.reading
  }

  /** Some jobs changed: read again if they concern a schedule, at most once per JOBS_REFRESH_MS. */
  jobsChanged(jobs: readonly Job[]): void {
    if (this.stopped || this.jobsTimer !== undefined) return
    const { schedules, details } = useSchedules.getState()
    if (!jobsConcernSchedules(jobs, schedules ?? [], details)) return
    const wait = this.lastJobsRead + this.jobsRefreshMs - this.now()
    const read = (): void => {
      this.jobsTimer = undefined
      this.lastJobsRead = this.now()
      void this.refresh()
    }
    if (wait <= 0) read()
    else this.jobsTimer = setTimeout(read, wait)
  }

  /** Keeps one schedule's detail (its history) fresh with the list, from now. */
  follow(id: string): void {
    this.followed.add(id)
    void this.readDetail(id)
  }

  unfollow(id: string): void {
    this.followed.delete(id)
    useSchedules.setState((s) => {
      const { [id]: _gone, ...details } = s.details
      return { details }
    })
  }

  private async read(): Promise<void> {
    const ids = [...this.followed]
    try {
      const [list, ...details] = await Promise.all([this.api.listSchedules({}), ...ids.map((id) => this.api.getSchedule({ id }).catch(() => null))])
      if (this.stopped) return
      useSchedules.setState((s) => {
        // Followed ones only; one followed since this read began keeps what its own read brought.
        const listed = new Set(list.schedules.map((x) => x.id))
        const fresh: Record<string, ScheduleDetail> = {}
        for (const id of this.followed) if (s.details[id] && listed.has(id)) fresh[id] = s.details[id]
        for (const d of details) if (d && this.followed.has(d.id) && listed.has(d.id)) fresh[d.id] = d
        return { schedules: list.schedules, details: fresh, error: null }
      })
    } catch (error) {
      if (!this.stopped) useSchedules.setState({ error: error instanceof Error ? error.message : String(error) })
    }
  }

  private async readDetail(id: string): Promise<void> {
    try {
      const detail = await this.api.getSchedule({ id })
      if (!this.stopped && this.followed.has(id)) useSchedules.setState((s) => ({ details: { ...s.details, [id]: detail } }))
    } catch (error) {
      // Gone meanwhile (deleted elsewhere): the next read of the list says so.
      if (error instanceof ApiError && error.code === 'not_found') void this.refresh()
    }
  }
}

/** The feed of the schedules view while it is open; events from the jobs stream reach it through here. */
let current: ScheduleFeed | null = null

export function setCurrentFeed(feed: ScheduleFeed | null): void {
  current = feed
}

/** A batch of jobs events arrived (see startSync's onJobs). */
export function schedulesHearJobs(jobs: readonly Job[]): void {
  current?.jobsChanged(jobs)
}
