/**
 * Lines a worker writes on its stdout and stderr around the raw output of a
 * job's child processes (those that inherit the worker's streams), so the
 * host files every line under the job that produced it however the pipes
 * and the message channel interleave. The record separator keeps them from
 * colliding with real output.
 */
const PREFIX = '\u001eoffload-output '

export type OutputMarker = { edge: 'begin' | 'end'; jobId: string }

export function formatOutputMarker({ edge, jobId }: OutputMarker): string {
  return `${PREFIX}${edge} ${jobId}\n`
}

/**
 * A line as read from the worker's stream: plain output, a marker, or both
 * when a child's last words had no newline and the marker was glued to them.
 */
export function splitOutputMarker(line: string): { text: string | undefined; marker: OutputMarker | undefined } {
  const at = line.indexOf(PREFIX)
  if (at < 0) return { text: line, marker: undefined }
  const [edge, jobId] = line.slice(at + PREFIX.length).split(' ')
  const marker: OutputMarker | undefined = (edge === 'begin' || edge === 'end') && jobId ? { edge, jobId } : undefined
  if (!marker) return { text: line, marker: undefined }
  return { text: at > 0 ? line.slice(0, at) : undefined, marker }
}
