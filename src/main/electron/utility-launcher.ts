import { app, utilityProcess } from 'electron'
import type { Launcher } from '../common/launcher'
import { sweepProcesses } from '../common/process-sweep'
import { WORKER_ENV, type WorkerToEngine } from '../common/protocol'
import { forwardLines, lowerPriority } from '../common/worker-launch'

/**
 * Workers as Electron utility processes: Electron's own Node processes with
 * their own V8 heap. The child's `exit` and the app's `child-process-gone`
 * are both taken as hints that it is gone; whichever comes first reports it,
 * once.
 */
export function createUtilityLauncher(entry: string): Launcher {
  return {
    launch({ name, env, execArgv }) {
      const child = utilityProcess.fork(entry, [name], {
        serviceName: name,
        stdio: 'pipe',
        ...(execArgv ? { execArgv } : {}),
        env: { ...process.env, ...env, [WORKER_ENV.hostPid]: String(process.pid) },
      })
      const exitListeners: ((code: number | null, signal: string | null) => void)[] = []
      let exited = false
      const reportExit = (code: number | null, signal: string | null): void => {
        if (exited) return
        exited = true
        app.off('child-process-gone', onGone)
        for (const listener of exitListeners) listener(code, signal)
      }
      const onGone = (_event: unknown, details: Electron.Details): void => {
        if (details.type === 'Utility' && details.serviceName === name && details.reason !== 'clean-exit') {
          reportExit(details.exitCode ?? null, null)
        }
      }
      app.on('child-process-gone', onGone)
      child.on('exit', (code) => reportExit(code, null))
      child.once('spawn', () => lowerPriority(child.pid))
      return {
        get pid() {
          return child.pid
        },
        send: (message) => {
          if (!exited) child.postMessage(message)
        },
        onMessage: (listener) => child.on('message', (message: WorkerToEngine) => listener(message)),
        onOutput: (listener) => forwardLines(child, listener),
        onExit: (listener) => exitListeners.push(listener),
        // A utility process shares the app's process group, so what it started is found by walking its tree.
        kill: () => {
          if (exited || child.pid === undefined) return
          sweepProcesses({ root: child.pid, includeRoot: true })
          child.kill()
        },
      }
    },
  }
}
