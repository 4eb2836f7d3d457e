import { setPriority } from 'node:os'
import { createInterface } from 'node:readline'

/** OS niceness for workers (0 = as the host, 19 = lowest): the host stays responsive when every core is busy. */
export const WORKER_NICENESS = 10

/** Lowers a worker's OS priority; where that is not permitted it runs at normal priority. */
export function lowerPriority(pid: number | undefined, niceness = WORKER_NICENESS): void {
  if (pid === undefined) return
  try {
    setPriority(pid, niceness)
  } catch {
    // Not permitted on this system.
  }
}

/** Each line a worker writes on its stdout and stderr, with the stream it came on. */
export function forwardLines(
  streams: { stdout: NodeJS.ReadableStream | null; stderr: NodeJS.ReadableStream | null },
  listener: (line: string, stream: 'stdout' | 'stderr') => void,
): void {
  if (streams.stdout) createInterface({ input: streams.stdout }).on('line', (line) => listener(line, 'stdout'))
  if (streams.stderr) createInterface({ input: streams.stderr }).on('line', (line) => listener(line, 'stderr'))
}
