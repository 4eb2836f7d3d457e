import { describe, expect, it } from 'vitest'
import { ThroughputMeter } from '../../src/main/engine/throughput'

describe('throughput meter', () => {
  it('counts into time buckets and slides them forward', () => {
    const meter = new ThroughputMeter(10_000, 3, 100_000)
    meter.add(2, 100_000)
    meter.add(1, 109_999)
    expect(meter.snapshot(109_999)).toEqual([0, 0, 3])
    meter.add(5, 110_000)
    expect(meter.snapshot(115_000)).toEqual([0, 3, 5])
    expect(meter.snapshot(130_000)).toEqual([5, 0, 0])
    expect(meter.snapshot(1_000_000)).toEqual([0, 0, 0])
  })
})
