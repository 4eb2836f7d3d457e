import type { Job } from '../../../shared/job'

/** The result: the kind's own summary where it has one, and the stored JSON beneath it. */
export function ResultView({ job }: { job: Job }) {
  if (job.result === null || job.result === undefined) return <p className="muted">{job.status === 'succeeded' ? 'No result.' : 'Not finished.'}</p>
  const json = <pre className="result">{JSON.stringify(job.result, null, 2)}</pre>
  if (!job.summary) return json
  return (
    <div className="result">
      <pre className="summary">{job.summary}</pre>
      <details>
        <summary>Result as stored</summary>
        {json}
      </details>
    </div>
  )
}
