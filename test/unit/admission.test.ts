import { describe, expect, it } from 'vitest'
import { Admission, loadVerdict, memoryFloorBytes, throttleOf, type AdmissionSettings, type LoadReading } from '../../src/main/engine/admission'

const MB = 1024 * 1024
const GB = 1024 * MB

/** An admission over readings the test sets, with settings it may change. */
function admission(settings: Partial<AdmissionSettings> = {}) {
  const machine = { freeBytes: 8 * GB, totalBytes: 16 * GB, load: { load: 0, cores: 4, steal: null } as LoadReading, memoryReads: 0 }
  const current: AdmissionSettings = { concurrency: 4, minFreeMemoryMb: null, adaptiveConcurrency: true, ...settings }
  const it = new Admission(
    {
      memory: () => {
        machine.memoryReads++
        return { freeBytes: machine.freeBytes, totalBytes: machine.totalBytes }
      },
      load: () => machine.load,
    },
    () => current,
  )
  return { it, machine, current }
}

describe('admission: memory', () => {
  it('holds back below the smaller of 10 % of memory and 500 MB by default, or the setting in MB', () => {
    expect(memoryFloorBytes(null, 16 * GB)).toBe(500 * MB)
    expect(memoryFloorBytes(null, 2 * GB)).toBeCloseTo(0.2 * GB)
    expect(memoryFloorBytes(1024, 16 * GB)).toBe(GB)
  })

  it('below the floor the limit is 0 with reason memory_low; above it the setting again', () => {
    const { it: a, machine } = admission()
    machine.freeBytes = 100 * MB
    expect(a.memoryLow(0)).toBe(true)
    expect(a.verdict(null)).toEqual({ limit: 0, reason: 'memory_low', ceiling: 4 })
    machine.freeBytes = 2 * GB
    expect(a.memoryLow(5000)).toBe(false)
    expect(a.verdict(null)).toEqual({ limit: 4, reason: null, ceiling: 4 })
  })

  it('reads the memory at most once a second, and again at once after the settings change', () => {
    const { it: a, machine, current } = admission()
    a.memoryLow(0)
    a.memoryLow(500)
    a.memoryLow(999)
    expect(machine.memoryReads).toBe(1)
    a.memoryLow(1000)
    expect(machine.memoryReads).toBe(2)
    current.minFreeMemoryMb = 10 * 1024
    a.settingsChanged()
    expect(a.memoryLow(1001)).toBe(true)
    expect(machine.memoryReads).toBe(3)
  })

  it('a floor of 0 never holds back, and does not read the memory', () => {
    const { it: a, machine } = admission({ minFreeMemoryMb: 0 })
    machine.freeBytes = 0
    expect(a.memoryLow(0)).toBe(false)
    expect(machine.memoryReads).toBe(0)
  })
})

describe('admission: the machine’s load', () => {
  it('is busy when others’ load is above the cores or steal is high, idle well below, and holds in between', () => {
    expect(loadVerdict({ load: 5, cores: 4, steal: null }, 0)).toBe('busy')
    expect(loadVerdict({ load: 5, cores: 4, steal: null }, 2)).toBe('steady')
    expect(loadVerdict({ load: 2, cores: 4, steal: null }, 0)).toBe('idle')
    expect(loadVerdict({ load: 3.5, cores: 4, steal: null }, 0)).toBe('steady')
    expect(loadVerdict({ load: 0, cores: 4, steal: 0.3 }, 0)).toBe('busy')
    expect(loadVerdict({ load: 0, cores: 4, steal: 0.15 }, 0)).toBe('steady')
  })

  it('steps the limit down by one per look while busy, never below 1, and back up while idle', () => {
    const { it: a, machine } = admission()
    machine.load = { load: 20, cores: 4, steal: null }
    const limits: number[] = []
    for (let t = 0; t < 5; t++) {
      a.checkLoad(t * 5000, 0, 4)
      limits.push(a.verdict(null).limit)
    }
    expect(limits).toEqual([3, 2, 1, 1, 1])
    expect(a.verdict(null).reason).toBe('machine_busy')
    machine.load = { load: 0, cores: 4, steal: null }
    for (let t = 5; t < 9; t++) {
      a.checkLoad(t * 5000, 0, 4)
      limits.push(a.verdict(null).limit)
    }
    expect(limits.slice(5)).toEqual([2, 3, 4, 4])
    expect(a.verdict(null)).toEqual({ limit: 4, reason: null, ceiling: 4 })
  })

  it('does not count the load of its own jobs as other work', () => {
    const { it: a, machine } = admission()
    machine.load = { load: 6, cores: 4, steal: null }
    a.checkLoad(0, 4, 4)
    a.checkLoad(5000, 4, 4)
    expect(a.verdict(null)).toEqual({ limit: 4, reason: null, ceiling: 4 })
  })

  it('with the setting off, never adapts, and turning it off lifts a ceiling at once', () => {
    const { it: a, machine, current } = admission({ adaptiveConcurrency: false })
    machine.load = { load: 20, cores: 4, steal: null }
    a.checkLoad(0, 0, 4)
    a.setUserActive(true)
    expect(a.verdict(null)).toEqual({ limit: 4, reason: null, ceiling: 4 })
    current.adaptiveConcurrency = true
    a.checkLoad(5000, 0, 4)
    expect(a.verdict(null).reason).toBe('user_active')
    a.setUserActive(false)
    expect(a.verdict(null)).toEqual({ limit: 3, reason: 'machine_busy', ceiling: 3 })
    current.adaptiveConcurrency = false
    a.settingsChanged()
    expect(a.verdict(null)).toEqual({ limit: 4, reason: null, ceiling: 4 })
  })
})

describe('admission: the throttle and its reason', () => {
  const base = { concurrency: 4, battery: null, machine: null, userActive: false, memoryLow: false }

  it('is the setting, without a reason, when nothing holds it lower', () => {
    expect(throttleOf(base)).toEqual({ limit: 4, reason: null, ceiling: 4 })
    expect(throttleOf({ ...base, battery: 6 })).toEqual({ limit: 4, reason: null, ceiling: 4 })
  })

  it('names the lowest ceiling: battery, the machine, or the user (half the setting)', () => {
    expect(throttleOf({ ...base, battery: 2 })).toEqual({ limit: 2, reason: 'battery', ceiling: 2 })
    expect(throttleOf({ ...base, battery: 3, machine: 1 })).toEqual({ limit: 1, reason: 'machine_busy', ceiling: 1 })
    expect(throttleOf({ ...base, battery: 3, userActive: true })).toEqual({ limit: 2, reason: 'user_active', ceiling: 2 })
    expect(throttleOf({ ...base, concurrency: 1, userActive: true })).toEqual({ limit: 1, reason: null, ceiling: 1 })
  })

  it('memory short wins over the rest: nothing starts', () => {
    expect(throttleOf({ ...base, battery: 2, memoryLow: true })).toEqual({ limit: 0, reason: 'memory_low', ceiling: 2 })
  })
})
