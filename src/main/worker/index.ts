import { subscribe } from 'node:diagnostics_channel'
import { writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatOutputMarker, type OutputMarker } from '../common/output-markers'
import { descendantsOf, sweepProcesses } from '../common/process-sweep'
import { loadKinds } from '../kinds/registry'
import { HEARTBEAT_INTERVAL_MS, WORKER_ENV } from '../common/protocol'
import { startHostWatchdog } from './host-watchdog'
import { Inbox } from './inbox'
import { attemptContext, JobRun } from './job-runner'
import { OutputCapture } from './output-capture'
import { connectToParent } from './parent-port'

/**
 * Worker process entry: loads the kinds, then runs jobs one at a time, in
 * the order the engine sends them (it may send the next few short jobs ahead,
 * to save a round trip each). It holds no state worth saving; the engine may
 * kill it at any moment, and it dies with the host however busy it is.
 */
const port = connectToParent()
const send = port.send.bind(port)
const inbox = new Inbox(
  (message) => new JobRun(message, services),
  (id, why) => send(why === 'recalled' ? { type: 'recalled', id } : { type: 'failed', id, error: { code: 'cancelled', message: 'Stopped before it started' } }),
)

// Before anything slow (loading kinds): a host that dies while this worker starts must take it along.
const watchdog = startHostWatchdog(Number(process.env[WORKER_ENV.hostPid]) || process.ppid)
port.onDisconnect(() => process.exit(1))

/** The attempt whose code is running now: the one in whose async context we are, else the one under way. */
const attemptNow = (): JobRun | undefined => attemptContext.getStore() ?? inbox.running
const capture = new OutputCapture(attemptNow)
// Every spawn, exec and fork in this process announces itself here, before the child starts.
subscribe('child_process', () => attemptNow()?.noteSpawn())
// However the worker ends (the host gone, a job calling process.exit), nothing it started outlives it.
process.on('exit', () => {
  inbox.running?.lastWords(writeAllSync)
  sweepProcesses({ root: process.pid, groups: inbox.running?.groups ?? [] })
})

const [registry] = await Promise.all([loadKinds(process.env[WORKER_ENV.kindsDir] || undefined), watchdog.ready])
const scratchRoot = process.env[WORKER_ENV.scratchDir] || join(tmpdir(), 'offload-scratch')
const stateRoot = process.env[WORKER_ENV.stateDir] || join(tmpdir(), 'offload-state')
const services = {
  kinds: registry,
  send,
  scratchRoot,
  stateRoot,
  capture,
  ownProcesses: descendantsOf(process.pid),
  groupsChanged: (groups: ReadonlySet<number>) => watchdog.groupsChanged(groups),
  markOutput: (marker: OutputMarker) => {
    const line = formatOutputMarker(marker)
    capture.writeRaw('stdout', line)
    capture.writeRaw('stderr', line)
  },
}
port.onMessage((message) => {
  switch (message.type) {
    case 'run':
      return inbox.push(message)
    case 'runs':
      for (const job of message.jobs) inbox.push({ type: 'run', job })
      return
    case 'recall':
      return inbox.recall(message.id)
    case 'abort':
      return inbox.abort(message.id)
    case 'exit':
      process.exit(0)
  }
})

/** Synchronous, for the last moment of the process; stderr is a non-blocking pipe, so a full one is waited out briefly. */
function writeAllSync(text: string): void {
  let rest = Buffer.from(text)
  for (let tries = 0; rest.length > 0 && tries < 50; tries++) {
    try {
      rest = rest.subarray(writeSync(2, rest))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2)
    }
  }
}

setInterval(() => send({ type: 'heartbeat' }), HEARTBEAT_INTERVAL_MS)
send({ type: 'ready', kinds: registry.names(), errors: [...registry.errors] })
