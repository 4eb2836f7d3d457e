import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadKinds } from '../kinds/registry'
import { HEARTBEAT_INTERVAL_MS, WORKER_ENV } from '../engine/protocol'
import { JobRun } from './job-runner'
import { connectToParent } from './parent-port'

/**
 * Worker process entry: loads the kinds, then runs one job at a time as the
 * engine asks. It holds no state worth saving; the engine may kill it at any
 * moment.
 */
const port = connectToParent()
// What a kind prints to stdout/stderr reaches its job's log through the launcher's onOutput.
const registry = await loadKinds(process.env[WORKER_ENV.kindsDir] || undefined)
const scratchRoot = process.env[WORKER_ENV.scratchDir] || join(tmpdir(), 'offload-scratch')
let current: JobRun | undefined

port.onMessage((message) => {
  switch (message.type) {
    case 'run': {
      const run = new JobRun(message, registry, (m) => port.send(m), scratchRoot)
      current = run
      void run.run().finally(() => {
        if (current === run) current = undefined
      })
      break
    }
    case 'abort':
      if (current?.id === message.id) current.abort()
      break
    case 'exit':
      process.exit(0)
  }
})

port.onDisconnect(() => {
  current?.killGroups('SIGKILL')
  process.exit(1)
})

setInterval(() => port.send({ type: 'heartbeat' }), HEARTBEAT_INTERVAL_MS)
port.send({ type: 'ready', kinds: registry.names(), errors: [...registry.errors] })
