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

export function parseOutputMarker(line: string): OutputMarker | undefined {
  if (!line.startsWith(PREFIX)) return undefined
  const [edge, jobId] = line.slice(PREFIX.length).split(' ')
  if ((edge !== 'begin' && edge !== 'end') || !jobId) return undefined
  return { edge, jobId }
}
