import { formatBytes } from '../format-bytes'

/**
 * Bytes across a batch whose sizes become known one file at a time (from
 * Content-Length, when the server sends it). Running totals, so a chunk of a
 * ten-thousand-file batch costs the same as one of a single file.
 */
export class BatchProgress {
  private readonly sizes: (number | null)[]
  private readonly received: number[]
  private readonly finished: boolean[]
  private knownTotal = 0
  private knownCount = 0
  private receivedTotal = 0
  private finishedCount = 0

  constructor(
    count: number,
    private readonly report: (fraction: number, message: string) => void,
  ) {
    this.sizes = new Array<number | null>(count).fill(null)
    this.received = new Array<number>(count).fill(0)
    this.finished = new Array<boolean>(count).fill(false)
  }

  /** The file's full size, once a response says it (null: the server did not). */
  size(index: number, size: number | null): void {
    const before = this.sizes[index]!
    if (before !== null) {
      this.knownTotal -= before
      this.knownCount--
    }
    this.sizes[index] = size
    if (size !== null) {
      this.knownTotal += size
      this.knownCount++
    }
    this.emit()
  }

  /** How many bytes of the file are in hand (it may go back to 0 when a download restarts). */
  at(index: number, bytes: number): void {
    this.receivedTotal += bytes - this.received[index]!
    this.received[index] = bytes
    this.emit()
  }

  done(index: number, bytes: number): void {
    if (this.sizes[index] === null) this.size(index, bytes)
    this.at(index, bytes)
    if (!this.finished[index]) this.finishedCount++
    this.finished[index] = true
    this.emit()
  }

  private emit(): void {
    const count = this.sizes.length
    // Files of unknown size are guessed at the mean of the known ones; with none known, files count.
    const unknown = count - this.knownCount
    const estimate = this.knownCount > 0 ? this.knownTotal + (unknown * this.knownTotal) / this.knownCount : 0
    const fraction = estimate > 0 ? this.receivedTotal / estimate : this.finishedCount / count
    // A finished file's size is known, so an unknown one is still to come.
    const of = unknown > 0 ? `at least ${formatBytes(this.knownTotal)}` : formatBytes(this.knownTotal)
    this.report(
      Math.min(1, fraction),
      `${formatBytes(this.receivedTotal)} of ${of} · ${this.finishedCount.toLocaleString('en')} of ${count.toLocaleString('en')} files`,
    )
  }
}
