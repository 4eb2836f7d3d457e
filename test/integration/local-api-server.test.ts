import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AlreadyRunningError, liveServer, startLocalApiServer } from '../../src/main/headless/local-api-server'
import { exited, startHost, tempDir } from '../helpers'

/** A port something else listens on, until the test ends. */
async function takenPort(): Promise<{ port: number; close(): void }> {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  return { port: (blocker.address() as { port: number }).port, close: () => blocker.close() }
}

const hosts: Record<string, Awaited<ReturnType<typeof startHost>>> = {}

/** The API of an engine on `dataDir` (one per folder, started with the first call), on `port`. */
async function serveHost(dataDir: string, port: number, orFreePort?: boolean) {
  const host = (hosts[dataDir] ??= await startHost({ dataDir, kinds: [] }))
  return startLocalApiServer({
    dataDir,
    handlers: host.handlers,
    subscribe: (listener) => host.engine.subscribe(listener),
    port,
    ...(orFreePort === undefined ? {} : { orFreePort }),
  })
}

describe('a data folder’s local API server', () => {
  it('takes a free port when its own is taken, if asked to; else refuses and writes nothing', async () => {
    const taken = await takenPort()
    try {
      const dataDir = tempDir()
      await expect(serveHost(dataDir, taken.port)).rejects.toMatchObject({ code: 'EADDRINUSE' })
      expect(existsSync(join(dataDir, 'server.json'))).toBe(false)
      const server = await serveHost(dataDir, taken.port, true)
      expect(server.info.port).not.toBe(taken.port)
      expect(JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'))).toEqual(server.info)
      await server.close()
      server.removeInfo()
      expect(existsSync(join(dataDir, 'server.json'))).toBe(false)
    } finally {
      taken.close()
    }
  })

  it('a server.json left by a crash (dead pid), or not one at all, does not count; a live one refuses the folder', async () => {
    const dataDir = tempDir()
    const file = join(dataDir, 'server.json')
    writeFileSync(file, '{ not json')
    expect(liveServer(dataDir)).toBeUndefined()
    const gone = spawn(process.execPath, ['-e', ''])
    await exited(gone)
    writeFileSync(file, JSON.stringify({ url: 'http://127.0.0.1:1', port: 1, token: 't', pid: gone.pid }))
    expect(liveServer(dataDir)).toBeUndefined()

    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'])
    try {
      const other = { url: 'http://127.0.0.1:1', port: 1, token: 't', pid: alive.pid! }
      writeFileSync(file, JSON.stringify(other))
      expect(liveServer(dataDir)).toEqual(other)
      await expect(serveHost(dataDir, 0)).rejects.toBeInstanceOf(AlreadyRunningError)
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(other)
    } finally {
      alive.kill('SIGKILL')
    }
  })

  it('removes server.json only while it still names this server', async () => {
    const dataDir = tempDir()
    const server = await serveHost(dataDir, 0)
    await server.close()
    const successor = { ...server.info, port: server.info.port === 1 ? 2 : 1 }
    writeFileSync(join(dataDir, 'server.json'), JSON.stringify(successor))
    server.removeInfo()
    expect(JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8'))).toEqual(successor)
  })
})
