import { readProcessTable, type ProcessEntry } from './process-table'

export interface SweepTarget {
  /** The process whose descendants go. */
  root: number
  /** Kill the root too (the host stopping a worker), not only what it started. */
  includeRoot?: boolean
  /** Process groups that go whole, wherever their members now hang in the tree (see JobContext.ownProcessGroup). */
  groups?: Iterable<number>
  /** Processes that stay, with everything under them: the worker's own helpers, there before any job ran. */
  spare?: ReadonlySet<number>
}

/** The processes under `root` now, e.g. to spare them later. */
export function descendantsOf(root: number): Set<number> {
  const table = readProcessTable()
  const found = new Set<number>()
  const stack = [root]
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    for (const p of table) {
      if (p.ppid !== pid || found.has(p.pid)) continue
      found.add(p.pid)
      stack.push(p.pid)
    }
  }
  return found
}

/** How long a sweep waits for what it killed to be gone; the kernel needs microseconds, a loaded machine a little more. */
const DEATH_WAIT_MS = 500

/** Rounds of freezing new finds; a fork bomb outruns this, anything else is caught in two. */
const MAX_ROUNDS = 8

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // Gone already (ESRCH), or not ours to signal (EPERM).
  }
}

/** The processes a target covers in this reading of the table. */
export function targetMembers(table: ProcessEntry[], target: SweepTarget, groups: ReadonlySet<number>): Set<number> {
  const { root } = target
  const rootEntry = table.find((p) => p.pid === root)
  // A root that leads its own group (a worker started detached) takes its group along; one
  // that shares its parent's group (a utilityProcess) must not touch it.
  const rootGroup = rootEntry && rootEntry.pgid === root ? root : undefined
  const spare = target.spare ?? new Set<number>()
  const found = new Set<number>()
  const children = new Map<number, number[]>()
  for (const p of table) {
    if (spare.has(p.pid)) continue
    if (groups.has(p.pgid) || (rootGroup !== undefined && p.pgid === rootGroup)) found.add(p.pid)
    const siblings = children.get(p.ppid)
    if (siblings) siblings.push(p.pid)
    else children.set(p.ppid, [p.pid])
  }
  const stack = [root, ...found]
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    for (const child of children.get(pid) ?? []) {
      if (found.has(child) || spare.has(child)) continue
      found.add(child)
      stack.push(child)
    }
  }
  if (!target.includeRoot) found.delete(root)
  else if (rootEntry) found.add(root)
  found.delete(process.pid)
  return found
}

/**
 * Kills every process under `root` (and in the given groups) and returns how
 * many there were. Each round freezes what it finds with SIGSTOP, so nothing
 * can fork or be reparented to init out of sight between one reading of the
 * process table and the next; then all of it gets SIGKILL at once. A process
 * that started its own session and whose parent has already exited is out of
 * reach unless its group was handed over.
 */
export function sweepProcesses(target: SweepTarget): number {
  const groups = new Set<number>()
  const doomed = new Set<number>()
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const table = readProcessTable()
    if (round === 0) {
      // A mistaken hand-over (pid 1, or our own group) must never become kill(-1) or suicide.
      const ownGroup = table.find((p) => p.pid === process.pid)?.pgid
      for (const group of target.groups ?? []) if (Number.isInteger(group) && group > 1 && group !== ownGroup) groups.add(group)
    }
    const fresh = [...targetMembers(table, target, groups)].filter((pid) => !doomed.has(pid))
    if (fresh.length === 0) break
    for (const pid of fresh) {
      doomed.add(pid)
      send(pid, 'SIGSTOP')
      // A detached child leads a group of its own: its later members go with it.
      if (table.find((p) => p.pid === pid)?.pgid === pid) groups.add(pid)
    }
  }
  for (const group of groups) send(-group, 'SIGKILL')
  for (const pid of doomed) send(pid, 'SIGKILL')
  awaitDeath(doomed)
  return doomed.size
}

/** SIGKILL takes effect a moment later; when the sweep returns, what it killed is dead (a zombie at most). */
function awaitDeath(pids: Set<number>): void {
  const deadline = Date.now() + DEATH_WAIT_MS
  const sleeper = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    const alive = new Set(readProcessTable().map((p) => p.pid))
    if (![...pids].some((pid) => alive.has(pid)) || Date.now() > deadline) return
    Atomics.wait(sleeper, 0, 0, 1)
  }
}
