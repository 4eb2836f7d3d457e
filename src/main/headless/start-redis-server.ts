import { BullStore } from '../backends/bullmq/bull-store'
import { createRedisServer, type RedisServer } from '../backends/bullmq/redis-handlers'
import { RedisTransfer } from '../backends/bullmq/redis-transfer'
import { probeRedis } from '../backends/bullmq/redis-probe'
import type { RedisTarget } from '../backends/bullmq/redis-url'
import { dataPaths, ensureDataFolder } from '../engine/data-folder'
import { loadKinds } from '../kinds/registry'
import type { ServerInfo } from '../../shared/server-info'
import { refuseIfServed, startLocalApiServer } from './local-api-server'

export interface RedisHeadlessOptions {
  dataDir: string
  port: number
  redis: RedisTarget
  rendererDir?: string
}

export interface RedisHeadless {
  info: ServerInfo
  server: RedisServer
  stop(): Promise<void>
}

/**
 * The API, events and panel over a BullMQ queue on Redis. The data folder
 * still holds this server's token and server.json, and the kinds whose
 * params it checks; the jobs live in Redis and run on worker hosts.
 */
export async function startRedisHeadless(options: RedisHeadlessOptions): Promise<RedisHeadless> {
  await probeRedis(options.redis)
  ensureDataFolder(options.dataDir)
  refuseIfServed(options.dataDir)
  const kinds = await loadKinds(dataPaths(options.dataDir).kinds)
  const backend = new BullStore(options.redis)
  const server = createRedisServer(backend, kinds)
  let api
  try {
    api = await startLocalApiServer({
      dataDir: options.dataDir,
      handlers: server.handlers,
      subscribe: (listener) => server.subscribe(listener),
      transfer: new RedisTransfer(backend, kinds),
      port: options.port,
      ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
    })
  } catch (error) {
    await server.close()
    throw error
  }
  let stopped: Promise<void> | undefined
  return {
    info: api.info,
    server,
    stop: () =>
      (stopped ??= (async () => {
        await api.close()
        await server.close()
        api.removeInfo()
      })()),
  }
}
