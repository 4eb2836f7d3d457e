import type { EngineToWorker, WorkerToEngine } from '../common/protocol'

export interface ParentPort {
  send(message: WorkerToEngine): void
  onMessage(listener: (message: EngineToWorker) => void): void
  /** The host is gone: the worker must clean up and exit rather than live on as an orphan. */
  onDisconnect(listener: () => void): void
}

interface ElectronParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (event: { data: unknown }) => void): void
}

/** The channel to the engine: Electron's parentPort in a utilityProcess, Node's IPC under child_process.fork. */
export function connectToParent(): ParentPort {
  const electronPort = (process as { parentPort?: ElectronParentPort }).parentPort
  if (electronPort) {
    return {
      send: (message) => electronPort.postMessage(message),
      onMessage: (listener) => electronPort.on('message', (event) => listener(event.data as EngineToWorker)),
      // A utilityProcess is torn down with its parent, so there is nothing to watch.
      onDisconnect: () => {},
    }
  }
  if (process.send) {
    return {
      send: (message) => {
        if (process.connected) process.send!(message)
      },
      onMessage: (listener) => process.on('message', (message) => listener(message as EngineToWorker)),
      onDisconnect: (listener) => process.once('disconnect', listener),
    }
  }
  throw new Error('The Offload worker must be started by Offload, not run directly')
}
