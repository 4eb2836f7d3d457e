import { readFileSync } from 'node:fs'
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os'
import type { LoadReading, MachineProbes, MemoryReading } from './admission'

/** os.freemem() on Linux leaves out the page cache the kernel would hand back at once, so it says "low" on a machine that is not. */
function memAvailable(): number | null {
  if (process.platform !== 'linux') return null
  try {
    const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))
    return match ? Number(match[1]) * 1024 : null
  } catch {
    return null
  }
}

export function readMemory(): MemoryReading {
  return { freeBytes: memAvailable() ?? freemem(), totalBytes: totalmem() }
}

/** The steal and total jiffies of all CPUs so far, from /proc/stat (Linux only). */
function cpuTimes(): { steal: number; total: number } | null {
  if (process.platform !== 'linux') return null
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number)
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null
    return { steal: fields[7]!, total: fields.reduce((a, b) => a + b, 0) }
  } catch {
    return null
  }
}

/** Steal is a share of the time since the last reading, so each probe keeps its own last reading. */
export function loadProbe(): () => LoadReading {
  let last: { steal: number; total: number } | null = null
  return () => {
    const now = cpuTimes()
    const steal = now && last && now.total > last.total ? (now.steal - last.steal) / (now.total - last.total) : null
    last = now
    return { load: loadavg()[0] ?? 0, cores: availableParallelism(), steal }
  }
}

export function machineProbes(): MachineProbes {
  return { memory: readMemory, load: loadProbe() }
}
