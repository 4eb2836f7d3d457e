import type { JobStatus } from '../../../shared/job'

/** What an empty tab means, so that "nothing here" also says how a job would come to be here. */
const EMPTY_TAB: Record<JobStatus, { title: string; hint: string }> = {
  held: { title: 'Nothing held', hint: 'A job added with “hold” waits here until you release it.' },
  waiting: { title: 'Nothing waiting on other jobs', hint: 'A job added to run after others waits here until they have succeeded.' },
  scheduled: { title: 'Nothing scheduled', hint: 'Jobs due later, and failed tries waiting to be retried, wait here for their time.' },
  queued: { title: 'Nothing queued', hint: 'Jobs ready to run wait here for a free slot.' },
  running: { title: 'Nothing running', hint: 'Jobs show here while a worker runs them.' },
  succeeded: { title: 'Nothing succeeded yet', hint: 'Finished jobs are kept here until Settings → Clean-up removes them.' },
  failed: { title: 'No failures', hint: 'Jobs whose last try failed show here, with why, ready to retry.' },
  cancelled: { title: 'Nothing cancelled', hint: 'Jobs you cancel show here, and can be retried.' },
}

export function EmptyState({ status, filtered, onNewJob }: { status: JobStatus | null; filtered: boolean; onNewJob: () => void }) {
  if (filtered) {
    return (
      <div className="empty" role="status">
        <h2>No jobs match</h2>
        <p>Try another tab, kind or search.</p>
      </div>
    )
  }
  if (status !== null) {
    return (
      <div className="empty" role="status">
        <h2>{EMPTY_TAB[status].title}</h2>
        <p>{EMPTY_TAB[status].hint}</p>
      </div>
    )
  }
  return (
    <div className="empty" role="status">
      <h2>Nothing queued yet</h2>
      <p>Offload runs heavy work in the background: hash a photo folder to find duplicates, or run any command.</p>
      <button type="button" className="primary" onClick={onNewJob}>
        + Queue your first job
      </button>
      <p className="hint">Tip: press N for a new job, / to search, P to pause.</p>
    </div>
  )
}
