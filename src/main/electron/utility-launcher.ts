import { utilityProcess } from 'electron'
import { setPriority } from 'node:os'
import { createInterface } from 'node:readline'
import { WORKER_NICENESS } from '../engine/fork-launcher'
import type { Launcher } from '../engine/launcher'
import type { WorkerToEngine } from '../engine/protocol'

/** Workers as Electron utility processes: Electron's own Node processes with their own V8 heap. */
export function createUtilityLauncher(entry: string): Launcher {
  return {
    launch({ name, env }) {
      const child = utilityProcess.fork(entry, [name], {
        serviceName: name,
        stdio: 'pipe',
        env: { ...process.env, ...env },
      })
      let exited = false
      child.once('exit', () => {
        exited = true
      })
      child.once('spawn', () => {
        try {
          if (child.pid !== undefined) setPriority(child.pid, WORKER_NICENESS)
        } catch {
          // Not permitted here: the worker runs at normal priority.
        }
      })
      return {
        get pid() {
          return child.pid
        },
        send: (message) => {
          if (!exited) child.postMessage(message)
        },
        onMessage: (listener) => child.on('message', (message: WorkerToEngine) => listener(message)),
        onOutput: (listener) => {
          if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => listener(l, 'stdout'))
          if (child.stderr) createInterface({ input: child.stderr }).on('line', (l) => listener(l, 'stderr'))
        },
        onExit: (listener) => child.once('exit', (code) => listener(code, null)),
        kill: () => {
          if (!exited) child.kill()
        },
      }
    },
  }
}
