import type { JobStatus } from '../../../shared/job'

export function StatusBadge({ status }: { status: JobStatus }) {
  return <span className={`badge ${status}`}>{status}</span>
}
