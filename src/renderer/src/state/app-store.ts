import { create } from 'zustand'
import type { OffloadEvent } from '../../../shared/api'
import type { BackendFeature, BackendInfo } from '../../../shared/backend'
import type { Job, JobStatus, KindInfo, KindLoadError, Settings, Stats } from '../../../shared/job'
import type { ConnectionStatus, Transport } from '../api/transport'
import { PageLoader, useJobs } from './jobs-store'

interface AppState {
  connection: ConnectionStatus
  /** When the connection last dropped: while it is down, what the panel shows is as of then. */
  lastContact: number | null
  stats: Stats | null
  settings: Settings | null
  kinds: KindInfo[]
  kindErrors: KindLoadError[]
  /** Where the queue lives and what it supports; with Redis, the machines working from it. */
  backend: BackendInfo | null
  /** A short message for the user (an action failed, a bulk action partly failed). */
  notice: { text: string; tone: 'info' | 'error' } | null
  notify: (text: string, tone?: 'info' | 'error') => void
}

export const useApp = create<AppState>()((set) => ({
  connection: 'connecting',
  lastContact: null,
  stats: null,
  settings: null,
  kinds: [],
  kindErrors: [],
  backend: null,
  notice: null,
  notify: (text, tone = 'info') => set({ notice: { text, tone } }),
}))

/**
 * Whether the queue's backend does this. Until it is known, yes: the
 * embedded engine does everything, and a control that appears a moment late
 * is worse than one that goes away once Redis says it lacks it.
 */
export function useSupports(feature: BackendFeature): boolean {
  return useApp((s) => s.backend?.capabilities[feature] ?? true)
}

/** With Redis, the list of worker machines is read again this often (they say they are alive every 2 s). */
const WORKERS_REFRESH_MS = 3000

/** Renders at most this often however fast events come: 20 frames a second is smooth, and leaves the CPU to the jobs. */
const APPLY_INTERVAL_MS = 50

/** Shows a job, or the list filtered to a status (a notification was clicked). */
export function reveal(target: { jobId?: string | undefined; status?: JobStatus | undefined }): void {
  if (target.status) useJobs.getState().setFilter({ status: target.status })
  if (target.jobId) useJobs.getState().open(target.jobId)
}

/**
 * Feeds the stores from the transport: loads what the panel needs, applies
 * events in batches, and reloads everything after a reconnect. `onJobs`
 * hears every batch of changed jobs (browser notifications).
 */
export function startSync(transport: Transport, loader: PageLoader, onJobs?: (jobs: readonly Job[]) => void): () => void {
  let pendingJobs = new Map<string, Job>()
  let pendingStats: Stats | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let lastCounts = ''
  let workersReadAt = 0

  /** Machines come and go with no event of their own: while stats arrive, the list is read again now and then. */
  const refreshWorkers = (): void => {
    if (useApp.getState().backend?.name !== 'bullmq' || Date.now() - workersReadAt < WORKERS_REFRESH_MS) return
    workersReadAt = Date.now()
    void transport.api.getBackend({}).then(
      (backend) => useApp.setState({ backend }),
      () => undefined,
    )
  }

  const load = async (): Promise<void> => {
    const [stats, settings, kinds, backend] = await Promise.all([
      transport.api.getStats({}),
      transport.api.getSettings({}),
      transport.api.listKinds({}),
      transport.api.getBackend({}),
    ])
    useApp.setState({ stats, settings, kinds: kinds.kinds, kindErrors: kinds.errors, backend })
    await loader.refresh()
  }

  const apply = (): void => {
    timer = undefined
    const jobs = [...pendingJobs.values()]
    pendingJobs = new Map()
    if (jobs.length > 0) {
      useJobs.getState().applyChanges(jobs)
      onJobs?.(jobs)
    }
    if (pendingStats) {
      const counts = JSON.stringify(pendingStats.counts)
      // Jobs moved between statuses (or came and went): the pages on screen may have changed.
      if (counts !== lastCounts) loader.refreshSoon()
      lastCounts = counts
      useApp.setState({ stats: pendingStats })
      pendingStats = null
      refreshWorkers()
    }
  }

  const onEvent = (event: OffloadEvent): void => {
    if (event.type === 'jobs') for (const job of event.jobs) pendingJobs.set(job.id, job)
    else if (event.type === 'stats') pendingStats = event.stats
    else if (event.type === 'settings') useApp.setState({ settings: event.settings })
    else if (event.type === 'storage') {
      const { stats } = useApp.getState()
      if (stats) useApp.setState({ stats: { ...stats, storage: event.storage } })
    } else reveal(event)
    timer ??= setTimeout(apply, APPLY_INTERVAL_MS)
  }

  const unsubscribe = transport.subscribe(onEvent, (connection) => {
    // The stream was live until it dropped: the figures on screen are as of that moment.
    if (connection !== 'open' && useApp.getState().connection === 'open') useApp.setState({ lastContact: Date.now() })
    useApp.setState({ connection })
    if (connection === 'open') void load().catch(() => useApp.setState({ connection: 'reconnecting' }))
  })
  return () => {
    unsubscribe()
    clearTimeout(timer)
  }
}
