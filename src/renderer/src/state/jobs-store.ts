import { create } from 'zustand'
import type { ApiClient } from '../../../shared/api'
import type { Job, JobFilter, JobStatus } from '../../../shared/job'

export const PAGE_SIZE = 100
/** Pages kept around the viewport; farther ones are dropped, so 100,000 jobs never sit in memory at once. */
const PAGES_KEPT = 12

export interface Filter {
  status: JobStatus | null
  kind: string | null
  q: string
  sort: 'newest' | 'oldest'
}

interface JobsState {
  filter: Filter
  /** How many jobs match the filter (null until the first page arrives). */
  total: number | null
  /** Ids per page index, for the pages loaded. */
  pages: Record<number, string[]>
  /** Loaded jobs by id: each row subscribes to its own entry, so a progress tick re-renders one row. */
  byId: Record<string, Job>
  selected: Set<string>
  /** Every job matching the filter is selected, loaded or not: bulk actions then go by the filter, not by ids. */
  allMatching: boolean
  /** The job whose checkbox was clicked last: a shift-click selects from it (by id: rows move as jobs come and go). */
  anchor: string | null
  /** The job open in the detail pane. */
  openId: string | null
  /** The row that Tab lands on in the list (one tab stop; the arrow keys move it). */
  focusIndex: number
  setFocusIndex: (index: number) => void
  setFilter: (patch: Partial<Filter>) => void
  applyChanges: (jobs: readonly Job[]) => void
  /** Adds the row to the selection or takes it out, and makes it the anchor of a range. */
  toggleSelected: (id: string) => void
  /** Selects the loaded rows from the anchor to `index`, as a shift-click does. */
  selectRange: (index: number) => void
  /** Selects every loaded row; with `allMatching`, every job the filter matches. */
  selectAll: (allMatching: boolean) => void
  selectOnly: (ids: string[]) => void
  open: (id: string | null) => void
  /** Keeps a job fetched on its own (the detail pane) up to date with events. */
  remember: (job: Job) => void
}

export const useJobs = create<JobsState>()((set) => ({
  filter: { status: null, kind: null, q: '', sort: 'newest' },
  total: null,
  pages: {},
  byId: {},
  selected: new Set(),
  allMatching: false,
  anchor: null,
  openId: null,
  focusIndex: 0,
  setFocusIndex: (focusIndex) => set({ focusIndex }),
  setFilter: (patch) =>
    set((s) => ({ filter: { ...s.filter, ...patch }, pages: {}, total: null, selected: new Set(), allMatching: false, anchor: null, focusIndex: 0 })),
  applyChanges: (jobs) =>
    set((s) => {
      let byId: Record<string, Job> | undefined
      const leaving = new Set<string>()
      for (const job of jobs) {
        // Only jobs on screen (or open in the pane) are kept; the rest arrive with their page.
        if (!(job.id in s.byId)) continue
        byId ??= { ...s.byId }
        byId[job.id] = job
        // A job that no longer belongs in this list (it finished, in the Running tab) leaves it now, not at the next refresh.
        if (s.filter.status !== null && job.status !== s.filter.status) leaving.add(job.id)
      }
      if (!byId) return s
      if (leaving.size === 0) return { byId }
      const { pages, removed } = withoutIds(s.pages, leaving)
      // What left the list leaves the selection too: a bulk action must not reach jobs no longer shown.
      const selected = new Set([...s.selected].filter((id) => !leaving.has(id)))
      return { byId, pages, selected, total: s.total === null ? null : Math.max(0, s.total - removed) }
    }),
  toggleSelected: (id) =>
    set((s) => {
      const selected = new Set(s.selected)
      if (selected.has(id)) selected.delete(id)
      else selected.add(id)
      return { selected, anchor: id, allMatching: false }
    }),
  selectRange: (index) =>
    set((s) => {
      const anchorAt = s.anchor === null ? -1 : indexOf(s.pages, s.anchor)
      const from = Math.min(anchorAt < 0 ? index : anchorAt, index)
      const to = Math.max(anchorAt < 0 ? index : anchorAt, index)
      const selected = new Set(s.selected)
      for (let i = from; i <= to; i++) {
        const id = s.pages[Math.floor(i / PAGE_SIZE)]?.[i % PAGE_SIZE]
        if (id) selected.add(id)
      }
      return { selected, allMatching: false }
    }),
  selectAll: (allMatching) => set((s) => ({ selected: new Set(Object.values(s.pages).flat()), allMatching })),
  selectOnly: (ids) => set({ selected: new Set(ids), allMatching: false, anchor: null }),
  open: (openId) => set({ openId }),
  remember: (job) => set((s) => ({ byId: { ...s.byId, [job.id]: job } })),
}))

/**
 * The pages with some ids taken out. Each run of consecutive loaded pages
 * closes up, so every row keeps its position (index = page × size + slot);
 * the run's last page comes up short until the next refresh fills it.
 */
export function withoutIds(pages: Record<number, string[]>, ids: ReadonlySet<string>): { pages: Record<number, string[]>; removed: number } {
  const out: Record<number, string[]> = {}
  let removed = 0
  const indexes = Object.keys(pages)
    .map(Number)
    .sort((a, b) => a - b)
  for (let i = 0; i < indexes.length;) {
    const start = indexes[i]!
    const run: string[] = []
    let end = start
    while (i < indexes.length && indexes[i] === end) {
      run.push(...pages[end]!)
      end++
      i++
    }
    const kept = run.filter((id) => !ids.has(id))
    removed += run.length - kept.length
    for (let page = start; page < end; page++) out[page] = kept.slice((page - start) * PAGE_SIZE, (page - start + 1) * PAGE_SIZE)
  }
  return { pages: out, removed }
}

/** Where a loaded job is in the list, or -1. */
function indexOf(pages: Record<number, string[]>, id: string): number {
  for (const [page, ids] of Object.entries(pages)) {
    const at = ids.indexOf(id)
    if (at >= 0) return Number(page) * PAGE_SIZE + at
  }
  return -1
}

/** The list's filter as the bulk actions take it (the sort does not change which jobs match). */
export function toJobFilter(filter: Filter): JobFilter {
  return { ...(filter.status ? { status: filter.status } : {}), ...(filter.kind ? { kind: filter.kind } : {}), ...(filter.q ? { q: filter.q } : {}) }
}

function filterKey(filter: Filter): string {
  return JSON.stringify(filter)
}

/**
 * Loads the pages the list shows, from the engine, and keeps them fresh.
 * Positional paging (offset) lets the scrollbar jump anywhere in 100,000 rows.
 */
export class PageLoader {
  private inFlight = new Map<string, Promise<void>>()
  private visible: [number, number] = [0, 0]
  private refreshTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly api: ApiClient) {}

  /** The list scrolled: make sure the rows from `first` to `last` are loaded. */
  show(first: number, last: number): void {
    this.visible = [first, last]
    const from = Math.floor(first / PAGE_SIZE)
    const to = Math.floor(Math.max(first, last) / PAGE_SIZE)
    for (let page = from; page <= to; page++) if (!(page in useJobs.getState().pages)) void this.load(page)
  }

  /** Something changed on the server (counts moved): reload what is on screen, at most twice a second. */
  refreshSoon(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = undefined
      void this.refresh()
    }, 500)
  }

  async refresh(): Promise<void> {
    const [first, last] = this.visible
    const visible = [...new Set([Math.floor(first / PAGE_SIZE), Math.floor(Math.max(first, last) / PAGE_SIZE)])]
    // Pages off screen are stale now: forget them, so they load afresh when scrolled back to.
    useJobs.setState((s) => ({ pages: Object.fromEntries(visible.filter((p) => p in s.pages).map((p) => [p, s.pages[p]!])) }))
    await Promise.all(visible.map((page) => this.load(page, true)))
  }

  private load(page: number, force = false): Promise<void> {
    const filter = useJobs.getState().filter
    const key = `${filterKey(filter)}#${page}`
    if (!force && this.inFlight.has(key)) return this.inFlight.get(key)!
    const request = this.api
      .listJobs({
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.kind ? { kind: filter.kind } : {}),
        ...(filter.q ? { q: filter.q } : {}),
        sort: filter.sort,
        limit: PAGE_SIZE,
        offset: page * PAGE_SIZE,
        count: true,
      })
      .then((result) => {
        if (filterKey(useJobs.getState().filter) !== filterKey(filter)) return
        useJobs.setState((s) => {
          const pages = { ...s.pages, [page]: result.jobs.map((j) => j.id) }
          const centre = Math.floor(this.visible[0] / PAGE_SIZE)
          for (const p of Object.keys(pages).map(Number)) if (Math.abs(p - centre) > PAGES_KEPT / 2) delete pages[p]
          const keep = new Set(Object.values(pages).flat())
          if (s.openId) keep.add(s.openId)
          // A selected job this page no longer shows (it was cancelled a moment ago) is kept until its event comes, which takes it out of the selection.
          for (const id of s.selected) keep.add(id)
          const byId: Record<string, Job> = {}
          for (const id of keep) if (s.byId[id]) byId[id] = s.byId[id]
          for (const job of result.jobs) byId[job.id] = job
          return { pages, byId, total: result.total }
        })
      })
      .catch(() => {
        // The connection banner says what is wrong; the page loads again on the next refresh.
      })
      .finally(() => this.inFlight.delete(key))
    this.inFlight.set(key, request)
    return request
  }
}
