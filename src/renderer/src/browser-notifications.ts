import { create } from 'zustand'
import type { Job } from '../../shared/job'
import { NotificationGrouper, type NotificationSummary } from '../../shared/notification-grouper'

/** A panel in a browser notifies through the browser; which outcomes do is this browser's choice, kept in it. */
export interface BrowserNotifyPrefs {
  onSuccess: boolean
  onFailure: boolean
}

const STORAGE_KEY = 'offload.browserNotifications'

function loadPrefs(): BrowserNotifyPrefs {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<BrowserNotifyPrefs> | null
    return { onSuccess: saved?.onSuccess === true, onFailure: saved?.onFailure === true }
  } catch {
    return { onSuccess: false, onFailure: false }
  }
}

type Permission = NotificationPermission | 'unsupported'
const currentPermission = (): Permission => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission)

interface BrowserNotifyState extends BrowserNotifyPrefs {
  permission: Permission
  /** Turns an outcome on or off; turning one on asks the browser's permission first, if it was never asked. */
  choose: (patch: Partial<BrowserNotifyPrefs>) => Promise<void>
}

export const useBrowserNotify = create<BrowserNotifyState>()((set, get) => ({
  ...loadPrefs(),
  permission: currentPermission(),
  choose: async (patch) => {
    if (Object.values(patch).some(Boolean) && get().permission === 'default') set({ permission: await Notification.requestPermission() })
    const prefs = { onSuccess: patch.onSuccess ?? get().onSuccess, onFailure: patch.onFailure ?? get().onFailure }
    localStorage.setItem(STORAGE_KEY, JSON.stringify(prefs))
    set(prefs)
  },
}))

/**
 * Feeds finished jobs to the same grouping the desktop app's notifications
 * use ("12 jobs finished · 1 failed"), and shows a summary only while the
 * panel is out of sight: a visible panel already shows it.
 */
export function startBrowserNotifications(reveal: (target: NotificationSummary['reveal']) => void): {
  jobsChanged: (jobs: readonly Job[]) => void
  dispose: () => void
} {
  const grouper = new NotificationGrouper(
    () => {
      const { onSuccess, onFailure, permission } = useBrowserNotify.getState()
      return { notifyOnSuccess: onSuccess && permission === 'granted', notifyOnFailure: onFailure && permission === 'granted' }
    },
    (summary) => {
      if (document.visibilityState === 'visible' && document.hasFocus()) return
      const note = new Notification(summary.title, { body: summary.body, tag: 'offload', icon: './icon.svg' })
      note.onclick = () => {
        window.focus()
        reveal(summary.reveal)
        note.close()
      }
    },
  )
  return { jobsChanged: (jobs) => grouper.jobsChanged(jobs), dispose: () => grouper.dispose() }
}
