/** What the bench modules share: polling a condition, and reading a percentile. */

/** Resolves once `done()` holds, checked every 5 ms: fine-grained enough for the figures, cheap beside them. */
export function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (done()) return resolve()
      setTimeout(check, 5)
    }
    check()
  })
}

export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
