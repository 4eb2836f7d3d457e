import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

export interface ProcessEntry {
  pid: number
  ppid: number
  /** Process group id. */
  pgid: number
}

/** A zombie has exited already; only its parent's wait is missing, and no signal can touch it. */
const isGone = (state: string | undefined): boolean => state === 'Z' || state === 'X'

/** Fields after the command name in /proc/<pid>/stat, which may itself hold spaces and parentheses. */
function parseStat(text: string): ProcessEntry | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  const pid = Number.parseInt(text, 10)
  const [state, ppid, pgid] = text.slice(close + 2).split(' ')
  if (isGone(state)) return undefined
  return { pid, ppid: Number(ppid), pgid: Number(pgid) }
}

function fromProc(): ProcessEntry[] {
  const entries: ProcessEntry[] = []
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue
    try {
      const entry = parseStat(readFileSync(`/proc/${name}/stat`, 'latin1'))
      if (entry) entries.push(entry)
    } catch {
      // It exited between the listing and the read.
    }
  }
  return entries
}

function fromPs(): ProcessEntry[] {
  const ps = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat='], { encoding: 'utf8' })
  if (ps.error) throw ps.error
  const text = ps.stdout
  const entries: ProcessEntry[] = []
  for (const line of text.split('\n')) {
    const [pid, ppid, pgid, state] = line.trim().split(/\s+/)
    const numbers = [pid, ppid, pgid].map(Number)
    // ps lists itself, as a child of whoever asked.
    if (numbers.every(Number.isInteger) && !isGone(state?.[0]) && numbers[0] !== ps.pid)
      entries.push({ pid: numbers[0]!, ppid: numbers[1]!, pgid: numbers[2]! })
  }
  return entries
}

const hasProc = ((): boolean => {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
})()

/**
 * Every process on the machine with its parent and group: /proc on Linux
 * (about a millisecond), `ps` elsewhere. Empty when it can't be read (out of
 * file descriptors, no `ps`): a sweep then finds nothing, and callers still
 * kill what they know by pid and group.
 */
export function readProcessTable(): ProcessEntry[] {
  try {
    if (hasProc) return fromProc()
    if (process.platform === 'win32') return []
    return fromPs()
  } catch {
    return []
  }
}

/** The parent of this process now (Node's process.ppid is fixed at start), or undefined where it can't be read cheaply. */
export function currentParentPid(): number | undefined {
  if (!hasProc) return undefined
  try {
    return parseStat(readFileSync('/proc/self/stat', 'latin1'))?.ppid
  } catch {
    return undefined
  }
}
