import type { Host } from '../engine/host'
import { AlreadyRunningError, startLocalApiServer, type LocalApiServer } from '../headless/local-api-server'

/** A fixed port, so a bookmarked panel keeps working; not the headless default (7340), so both can run at once. */
export const DESKTOP_API_PORT = 7341

export interface LocalApiSwitch {
  /** Starts or stops the server to match the "Allow scripts and the command line" setting. */
  settingsChanged(): void
  /** Resolves once the server matches every change asked for so far. */
  settled(): Promise<void>
  /** Stops answering for good (quitting). server.json stays until `removeInfo`, while the database is still open. */
  close(): Promise<void>
  removeInfo(): void
}

/**
 * The desktop app's local API: the headless server's HTTP API, on the
 * app's own engine, for scripts and the `offload` command. Starts and stops
 * follow the setting, one at a time. A data folder that a live headless
 * server already serves is left to it; that, and any other failure, is
 * logged, never fatal.
 */
export function followLocalApi(options: { dataDir: string; host: Host; rendererDir?: string }): LocalApiSwitch {
  const { dataDir, host } = options
  let server: LocalApiServer | undefined
  let closed: LocalApiServer | undefined
  let closing = false
  let queue = Promise.resolve()

  async function start(): Promise<LocalApiServer | undefined> {
    try {
      const started = await startLocalApiServer({
        dataDir,
        handlers: host.handlers,
        subscribe: (listener) => host.engine.subscribe(listener),
        port: DESKTOP_API_PORT,
        orFreePort: true,
        transfer: host.transfer,
        ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
      })
      console.log(`Offload: scripts and the command line reach this app at ${started.info.url} (see server.json in ${dataDir})`)
      return started
    } catch (error) {
      if (error instanceof AlreadyRunningError) {
        console.warn(`offload: not serving scripts and the command line: ${error.message}, which answers them instead`)
      } else {
        console.error(`offload: could not serve scripts and the command line: ${(error as Error).message}`)
      }
      return undefined
    }
  }

  async function match(): Promise<void> {
    const wanted = !closing && host.engine.settings().localApi
    if (wanted && !server) server = await start()
    else if (!wanted && server) {
      const stopping = server
      server = undefined
      await stopping.close()
      if (closing) closed = stopping
      else stopping.removeInfo()
    }
  }

  const enqueue = (): Promise<void> =>
    (queue = queue.then(match).catch((error: unknown) => console.error(`offload: scripts and the command line: ${(error as Error).message}`)))

  // Only a change of this setting is acted on, so a refusal is said once, not at every other change.
  let asked = host.engine.settings().localApi
  void enqueue()
  return {
    settingsChanged: () => {
      if (host.engine.settings().localApi === asked) return
      asked = !asked
      void enqueue()
    },
    settled: () => queue,
    close: () => {
      closing = true
      return enqueue()
    },
    removeInfo: () => closed?.removeInfo(),
  }
}
