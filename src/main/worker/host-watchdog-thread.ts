import { parentPort, workerData } from 'node:worker_threads'
import { sweepProcesses } from '../common/process-sweep'
import { currentParentPid } from '../common/process-table'

/**
 * A thread of the worker process with its own event loop, so it runs even
 * while a job blocks the worker's JavaScript in a synchronous loop. When the
 * host is gone it kills everything the worker started, then the worker.
 */
export interface WatchdogData {
  hostPid: number
  intervalMs: number
}

const { hostPid, intervalMs } = workerData as WatchdogData
const groups = new Set<number>()

parentPort?.on('message', (message: { groups: number[] }) => {
  groups.clear()
  for (const group of message.groups) groups.add(group)
})

// Forked by the host, the surest sign is being handed to another parent; where the host is not
// our parent (or the parent can't be read), its pid disappearing has to do.
const watchParent = currentParentPid() === hostPid

function hostGone(): boolean {
  if (watchParent) {
    // Unreadable (out of file descriptors, say) is not gone: look again on the next tick.
    const parent = currentParentPid()
    return parent !== undefined && parent !== hostPid
  }
  try {
    process.kill(hostPid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

function check(): void {
  if (!hostGone()) return
  try {
    sweepProcesses({ root: process.pid, groups })
  } finally {
    process.kill(process.pid, 'SIGKILL')
  }
}

check()
setInterval(check, intervalMs)
parentPort?.postMessage('ready')
