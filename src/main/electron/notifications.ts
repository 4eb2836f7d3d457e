import { Notification } from 'electron'
import type { Job, Settings } from '../../shared/job'
import { NotificationGrouper, type NotificationSummary } from '../../shared/notification-grouper'

/** Native notifications for finished and failed jobs, grouped; a click reveals the job or the filtered list. */
export function createJobNotifier(
  settings: () => Settings,
  reveal: (target: NotificationSummary['reveal']) => void,
): { jobsChanged(jobs: readonly Job[]): void; dispose(): void } {
  const grouper = new NotificationGrouper(settings, (summary) => {
    if (!Notification.isSupported()) return
    const notification = new Notification({ title: summary.title, body: summary.body, silent: false })
    notification.on('click', () => reveal(summary.reveal))
    notification.show()
  })
  return { jobsChanged: (jobs) => grouper.jobsChanged(jobs), dispose: () => grouper.dispose() }
}
