import type { JobError } from '../../../shared/job'

/** What a person reads first, by error code; the code itself follows, small. */
const HEADLINES: Partial<Record<JobError['code'], (error: JobError, detail: ErrorDetail) => string>> = {
  exit_code: (_e, d) => (d.signal ? `The command was killed by ${d.signal}` : `The command exited with code ${d.exitCode ?? '?'}`),
  worker_crashed: (e) => e.message.replace(/^The worker/, 'The worker running it'),
  timeout: (e) => e.message,
  interrupted: (e) => e.message,
  invalid_params: (e) => `Its params are not valid: ${e.message}`,
  unknown_kind: (e) => e.message,
}

interface ErrorDetail {
  exitCode?: number | null
  signal?: string | null
  /** A shell command's last lines. */
  tail?: string[]
  /** A crashed worker's last lines. */
  output?: string[]
  stack?: string
}

/**
 * A failure, readable: a plain sentence, then the last lines the job wrote
 * (the cause is usually there: "ls: cannot access …"), then the code and the
 * full detail for whoever needs them.
 */
export function FailureBox({ error, title }: { error: JobError; title?: string }) {
  const detail = (error.detail ?? {}) as ErrorDetail
  const headline = HEADLINES[error.code]?.(error, detail) ?? error.message
  const lastLines = (detail.tail ?? detail.output ?? []).slice(-12)
  return (
    <section className="error-box" role="alert" aria-label={title ?? 'Why it failed'}>
      {title && <h4>{title}</h4>}
      <p className="headline">{headline}</p>
      {lastLines.length > 0 && (
        <pre className="last-lines" aria-label="Its last lines">
          {lastLines.join('\n')}
        </pre>
      )}
      <details>
        <summary>
          Details <code>{error.code}</code>
        </summary>
        <p>{error.message}</p>
        {detail.stack && <pre className="last-lines">{detail.stack}</pre>}
        {error.detail !== undefined && <pre>{JSON.stringify(error.detail, null, 2)}</pre>}
      </details>
    </section>
  )
}
