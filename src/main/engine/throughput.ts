/** Counts events in fixed time buckets, for "jobs finished per minute" charts. */
export class ThroughputMeter {
  private readonly buckets: number[]
  private bucketStart: number

  constructor(
    private readonly bucketMs: number,
    size: number,
    now: number,
  ) {
    this.buckets = new Array<number>(size).fill(0)
    this.bucketStart = now - (now % bucketMs)
  }

  add(n: number, now: number): void {
    this.advance(now)
    this.buckets[this.buckets.length - 1]! += n
  }

  /** Oldest bucket first; the last one is the current, still filling. */
  snapshot(now: number): number[] {
    this.advance(now)
    return [...this.buckets]
  }

  private advance(now: number): void {
    const steps = Math.floor((now - this.bucketStart) / this.bucketMs)
    if (steps <= 0) return
    for (let i = 0; i < Math.min(steps, this.buckets.length); i++) {
      this.buckets.shift()
      this.buckets.push(0)
    }
    this.bucketStart += steps * this.bucketMs
  }
}
