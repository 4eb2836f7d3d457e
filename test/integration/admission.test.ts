import { describe, expect, it } from 'vitest'
import type { LoadReading, MachineProbes } from '../../src/main/engine/admission'
import { startHost, waitFor, waitForStatus } from '../helpers'

const GB = 1024 ** 3

/** A machine whose memory and load the test sets as it goes. */
function machine() {
  const state = { freeBytes: 8 * GB, load: { load: 0, cores: 4, steal: null } as LoadReading }
  const probes: MachineProbes = { memory: () => ({ freeBytes: state.freeBytes, totalBytes: 16 * GB }), load: () => state.load }
  return { state, probes }
}

describe('admission that respects the machine', () => {
  it('starts no job while memory is short, and starts them on its own once it frees', async () => {
    const { state, probes } = machine()
    state.freeBytes = 100 * 1024 ** 2
    const host = await startHost({ kinds: ['noop.mjs'], engine: { concurrency: 2 }, machine: probes })
    const ids = Array.from({ length: 3 }, () => host.api.createJob({ kind: 'noop' }).id)
    await waitFor(() => host.engine.stats().throttle.reason === 'memory_low', 'the memory throttle')
    expect(host.engine.stats().throttle).toEqual({ limit: 0, reason: 'memory_low' })
    // A few rereads of the memory (one a second) come and go: still nothing starts.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(ids.map((id) => host.api.getJob({ id }).status)).toEqual(['queued', 'queued', 'queued'])
    state.freeBytes = 4 * GB
    await Promise.all(ids.map((id) => waitForStatus(host, id, 'succeeded')))
    expect(host.engine.stats().throttle).toEqual({ limit: 2, reason: null })
  })

  it('a floor set above what is free holds jobs back; lowering it lets them go', async () => {
    const host = await startHost({ kinds: ['noop.mjs'], engine: { concurrency: 2 }, machine: machine().probes })
    host.engine.updateSettings({ minFreeMemoryMb: 10 * 1024 })
    const job = host.api.createJob({ kind: 'noop' })
    await waitFor(() => host.engine.stats().throttle.reason === 'memory_low', 'the memory throttle')
    expect(host.api.getJob({ id: job.id }).status).toBe('queued')
    host.engine.updateSettings({ minFreeMemoryMb: 1024 })
    await waitForStatus(host, job.id, 'succeeded')
  })

  it('starts fewer jobs while the machine is busy, down to one, and back up when it calms; off, it never adapts', async () => {
    const { state, probes } = machine()
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 4, loadCheckMs: 20 }, machine: probes })
    state.load = { load: 40, cores: 4, steal: null }
    await waitFor(() => host.engine.stats().throttle.limit === 1, 'the limit to come down to 1')
    expect(host.engine.stats().throttle).toEqual({ limit: 1, reason: 'machine_busy' })
    expect(host.engine.stats().workers.max).toBe(1)

    let peak = 0
    const unsubscribe = host.engine.subscribe(() => (peak = Math.max(peak, host.engine.stats().counts.running)))
    const ids = Array.from({ length: 3 }, () => host.api.createJob({ kind: 'sleep', params: { ms: 100 } }).id)
    await Promise.all(ids.map((id) => waitForStatus(host, id, 'succeeded')))
    unsubscribe()
    expect(peak).toBe(1)

    state.load = { load: 0, cores: 4, steal: null }
    await waitFor(() => host.engine.stats().throttle.reason === null, 'the limit to go back up')
    expect(host.engine.stats().throttle).toEqual({ limit: 4, reason: null })

    host.engine.updateSettings({ adaptiveConcurrency: false })
    state.load = { load: 40, cores: 4, steal: null }
    // Many looks at the load would have stepped it down by now.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(host.engine.stats().throttle).toEqual({ limit: 4, reason: null })
  })

  it('a battery ceiling and a busy machine: the lower one is the reason', async () => {
    const { state, probes } = machine()
    const host = await startHost({ kinds: ['noop.mjs'], engine: { concurrency: 4, loadCheckMs: 20 }, machine: probes })
    host.engine.limitConcurrency(3)
    expect(host.engine.stats().throttle).toEqual({ limit: 3, reason: 'battery' })
    state.load = { load: 40, cores: 4, steal: null }
    await waitFor(() => host.engine.stats().throttle.reason === 'machine_busy', 'the machine to be the reason')
    expect(host.engine.stats().throttle.limit).toBeLessThan(3)
  })
})

describe('CPU- and I/O-bound kinds', () => {
  it('I/O-bound jobs run beyond the concurrency, up to ioOvercommit times it in all; CPU-bound ones never beyond it', async () => {
    const host = await startHost({ kinds: ['sleep.mjs', 'wait-io.mjs'], engine: { concurrency: 2 } })
    host.engine.updateSettings({ ioOvercommit: 2 })
    host.engine.pause()
    const io = Array.from({ length: 6 }, (_, i) => host.api.createJob({ kind: 'wait-io', params: { ms: 400 }, name: `io-${i}` }).id)
    const cpu = Array.from({ length: 6 }, (_, i) => host.api.createJob({ kind: 'sleep', params: { ms: 400 }, name: `cpu-${i}` }).id)
    host.engine.resume()
    const jobs = await Promise.all([...io, ...cpu].map((id) => waitForStatus(host, id, 'succeeded')))
    // The most at once, from when each began to when it ended as written: every moment counts, not only those sampled.
    const peak = (which: typeof jobs): number => {
      const edges = which.flatMap((job) => [
        [Date.parse(job.startedAt!), 1],
        [Date.parse(job.finishedAt!), -1],
      ])
      // An end and a start at the same millisecond: the end first (the slot was free).
      edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
      let now = 0
      let most = 0
      for (const [, step] of edges) most = Math.max(most, (now += step!))
      return most
    }
    const ioJobs = jobs.slice(0, 6)
    const cpuJobs = jobs.slice(6)
    expect(peak(cpuJobs)).toBeLessThanOrEqual(2)
    expect(peak(jobs)).toBeLessThanOrEqual(4)
    expect(peak(ioJobs)).toBeGreaterThan(2)
  })
})
