import { readdirSync, readFileSync } from 'node:fs'

/** Memory and CPU time so far of one process, or of several added up. */
export interface ProcessUsage {
  rssBytes: number
  cpuMs: number
}

/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat, 100 on every Linux that Node runs on. */
const MS_PER_TICK = 10

let pageBytes: number | undefined

/** /proc counts resident memory in pages; the size is found once by comparing our own count with Node's figure in bytes. */
function pageSize(): number {
  if (pageBytes !== undefined) return pageBytes
  pageBytes = 4096
  try {
    const pages = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1])
    const ratio = process.memoryUsage.rss() / pages
    if (Number.isFinite(ratio) && ratio > 0) pageBytes = Math.max(4096, 2 ** Math.round(Math.log2(ratio)))
  } catch {
    // No /proc: nothing will be read from it either.
  }
  return pageBytes
}

interface StatFields {
  pgid: number
  usage: ProcessUsage
}

/** The fields after the command name, which may itself hold spaces and parentheses. */
function parseStat(text: string): StatFields | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  // From field 3 (state): pgrp is field 5, utime 14, stime 15, rss 24.
  const f = text.slice(close + 2).split(' ')
  if (f[0] === 'Z' || f[0] === 'X') return undefined
  return {
    pgid: Number(f[2]),
    usage: { cpuMs: (Number(f[11]) + Number(f[12])) * MS_PER_TICK, rssBytes: Number(f[21]) * pageSize() },
  }
}

function readStat(pid: number | string): StatFields | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))
  } catch {
    // Gone, or no /proc here (not Linux): nothing to measure.
    return undefined
  }
}

/** One process, from /proc; undefined where it is gone or there is no /proc (then limits are the V8 heap's only). */
export function readProcessUsage(pid: number): ProcessUsage | undefined {
  return readStat(pid)?.usage
}

/**
 * Every process in each of these groups, added up per group: one pass over
 * /proc for all of them, as it costs a read per process on the machine.
 */
export function readGroupUsage(groups: ReadonlySet<number>): Map<number, ProcessUsage> {
  const usage = new Map<number, ProcessUsage>()
  if (groups.size === 0) return usage
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return usage
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue
    const stat = readStat(name)
    if (!stat || !groups.has(stat.pgid)) continue
    const sum = usage.get(stat.pgid) ?? { rssBytes: 0, cpuMs: 0 }
    sum.rssBytes += stat.usage.rssBytes
    sum.cpuMs += stat.usage.cpuMs
    usage.set(stat.pgid, sum)
  }
  return usage
}
