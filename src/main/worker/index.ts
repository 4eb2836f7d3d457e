import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadKinds } from '../kinds/registry'
import { HEARTBEAT_INTERVAL_MS, WORKER_ENV, type EngineToWorker } from '../engine/protocol'
import { JobRun } from './job-runner'
import { connectToParent } from './parent-port'

/**
 * Worker process entry: loads the kinds, then runs jobs one at a time, in
 * the order the engine sends them (it may send the next few short jobs ahead,
 * to save a round trip each). It holds no state worth saving; the engine may
 * kill it at any moment.
 */
const port = connectToParent()
// What a kind prints to stdout/stderr reaches its job's log through the launcher's onOutput.
const registry = await loadKinds(process.env[WORKER_ENV.kindsDir] || undefined)
const scratchRoot = process.env[WORKER_ENV.scratchDir] || join(tmpdir(), 'offload-scratch')
const send = port.send.bind(port)
const inbox: Extract<EngineToWorker, { type: 'run' }>[] = []
let current: JobRun | undefined

function runNext(): void {
  const message = inbox.shift()
  if (!message) return
  const run = new JobRun(message, registry, send, scratchRoot)
  current = run
  // The engine starts the timeout of a job that waited in the inbox only now.
  if (message.queued) send({ type: 'started', id: run.id })
  void run.run().finally(() => {
    current = undefined
    // Not at once: messages that arrived meanwhile (an abort recalling the next job) are handled first.
    setImmediate(runNext)
  })
}

port.onMessage((message) => {
  switch (message.type) {
    case 'run':
      inbox.push(message)
      if (!current) runNext()
      break
    case 'abort': {
      if (current?.id === message.id) return current.abort()
      const waiting = inbox.findIndex((m) => m.job.id === message.id)
      if (waiting >= 0) {
        inbox.splice(waiting, 1)
        send({ type: 'failed', id: message.id, error: { code: 'cancelled', message: 'Stopped before it started' } })
      }
      break
    }
    case 'exit':
      process.exit(0)
  }
})

port.onDisconnect(() => {
  current?.killGroups('SIGKILL')
  process.exit(1)
})

setInterval(() => send({ type: 'heartbeat' }), HEARTBEAT_INTERVAL_MS)
send({ type: 'ready', kinds: registry.names(), errors: [...registry.errors] })
