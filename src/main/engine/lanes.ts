import { DEFAULT_LANE } from '../../shared/job'
import type { Lane, LanePolicy, LaneUpdate } from '../../shared/lane'
import type { Clock, Engine } from './engine'
import type { JobStore } from './job-store'
import type { LaneStore } from './lane-store'

export interface LanesDeps {
  store: JobStore
  lanes: LaneStore
  engine: Engine
  clock: Clock
}

const OPEN: LanePolicy = { concurrency: null, paused: false }

/**
 * The lanes users see and set: each one with settings of its own, with jobs
 * waiting or running, and "default" always. A lane needs no making: naming
 * it on a job or setting it is enough.
 */
export class Lanes {
  constructor(private readonly deps: LanesDeps) {}

  list(): Lane[] {
    const { policies, queued } = this.deps.store.read(() => ({ policies: this.deps.lanes.all(), queued: this.deps.lanes.queued() }))
    const use = this.deps.engine.laneUse()
    const names = new Set([DEFAULT_LANE, ...policies.keys(), ...queued.keys(), ...use.keys()])
    return [...names].sort().map((name) => ({
      name,
      ...(policies.get(name) ?? OPEN),
      queued: queued.get(name) ?? 0,
      running: use.get(name)?.running ?? 0,
      slotsInUse: use.get(name)?.slots ?? 0,
    }))
  }

  /** Any name is a lane: one never set or used is open and empty. */
  get(name: string): Lane {
    const { policy, queued } = this.deps.store.read(() => ({ policy: this.deps.lanes.all().get(name), queued: this.deps.lanes.queued().get(name) }))
    const use = this.deps.engine.laneUse().get(name)
    return { name, ...(policy ?? OPEN), queued: queued ?? 0, running: use?.running ?? 0, slotsInUse: use?.slots ?? 0 }
  }

  /** Saved first, then the scheduler follows: a pause holds across a restart. */
  update({ name, ...patch }: LaneUpdate): Lane {
    const policy = this.deps.store.transaction(() => {
      const current = this.deps.lanes.all().get(name) ?? OPEN
      const next: LanePolicy = {
        concurrency: patch.concurrency === undefined ? current.concurrency : patch.concurrency,
        paused: patch.paused ?? current.paused,
      }
      this.deps.lanes.save(name, next, this.deps.clock.now())
      return next
    })
    this.deps.engine.setLanePolicy(name, policy)
    return this.get(name)
  }
}
