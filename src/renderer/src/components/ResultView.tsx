import type { Job } from '../../../shared/job'

interface HashResult {
  files: number
  bytes: number
  duplicateGroups: { hash: string; size: number; paths: string[] }[]
  duplicateGroupsTotal: number
}
interface ShellResult {
  exitCode: number
  tail: string[]
}

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`)

/** A readable result where the kind has one; JSON otherwise. */
export function ResultView({ job }: { job: Job }) {
  if (job.result === null || job.result === undefined) return <p className="muted">{job.status === 'succeeded' ? 'No result.' : 'Not finished.'}</p>
  if (job.kind === 'hash-files') {
    const r = job.result as HashResult
    return (
      <div className="result">
        <p>
          {r.files.toLocaleString()} files, {bytes(r.bytes)} · {r.duplicateGroupsTotal} duplicate groups
        </p>
        <ul className="dupes">
          {r.duplicateGroups.slice(0, 50).map((g) => (
            <li key={g.hash}>
              <strong>{bytes(g.size)}</strong> × {g.paths.length}: {g.paths.join(', ')}
            </li>
          ))}
        </ul>
      </div>
    )
  }
  if (job.kind === 'shell') {
    const r = job.result as ShellResult
    return (
      <div className="result">
        <p>Exit code {r.exitCode}</p>
        {r.tail.length > 0 && <pre>{r.tail.join('\n')}</pre>}
      </div>
    )
  }
  return <pre className="result">{JSON.stringify(job.result, null, 2)}</pre>
}
