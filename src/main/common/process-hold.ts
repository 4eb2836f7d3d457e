import { spawn, type ChildProcess } from 'node:child_process'
import { readProcessTable } from './process-table'
import { targetMembers } from './process-sweep'

/** Rounds of stopping new finds, as in a sweep: a stopped process forks no more. */
const MAX_ROUNDS = 4

/**
 * Kills what it is given once the host is gone. A stopped worker cannot run
 * its own watchdog, so without this a host killed with -9 during quiet hours
 * would leave its workers frozen for ever. Its own session, so it is never
 * stopped with them.
 */
const SENTINEL = 'host=$1; shift; while kill -0 "$host" 2>/dev/null; do sleep 1; done; kill -s KILL "$@" 2>/dev/null'

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // Gone already (ESRCH), or not ours (EPERM).
  }
}

/**
 * A worker held with SIGSTOP (quiet hours with "suspend"): the worker, every
 * process under it and the job's own process groups, until released with
 * SIGCONT. POSIX only.
 */
export class ProcessHold {
  private constructor(
    private readonly stopped: number[],
    private readonly sentinel: ChildProcess,
  ) {}

  static stop(root: number, handedOver: Iterable<number>): ProcessHold {
    const groups = new Set([...handedOver].filter((g) => Number.isInteger(g) && g > 1 && g !== process.pid))
    const stopped = new Set<number>()
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const table = readProcessTable()
      if (round === 0 && table.find((p) => p.pid === root)?.pgid === root) groups.add(root)
      const fresh = [...targetMembers(table, { root, includeRoot: true }, groups)].filter((pid) => !stopped.has(pid))
      if (fresh.length === 0) break
      for (const pid of fresh) {
        stopped.add(pid)
        send(pid, 'SIGSTOP')
      }
    }
    const targets = [...stopped, ...[...groups].map((g) => -g)].map(String)
    const sentinel = spawn('/bin/sh', ['-c', SENTINEL, 'offload-hold', String(process.pid), ...targets], { detached: true, stdio: 'ignore' })
    sentinel.on('error', () => undefined)
    sentinel.unref()
    return new ProcessHold([...stopped], sentinel)
  }

  /** Everything held goes on. */
  release(): void {
    this.sentinel.kill('SIGKILL')
    for (const pid of this.stopped) send(pid, 'SIGCONT')
  }

  /** The worker is being killed anyway: the sentinel is no longer needed. */
  dismiss(): void {
    this.sentinel.kill('SIGKILL')
  }
}
