import { MAX_ATTEMPTS, MAX_TIMEOUT_MS } from '../../shared/job'

const MAX_TIMEOUT_SECONDS = MAX_TIMEOUT_MS / 1000

/** The limits of a try, as typed: empty means the default; otherwise a whole number within bounds. */
export function readLimits(tries: string, timeout: string): { limits: { maxAttempts?: number; timeoutMs?: number }; errors: Record<string, string> } {
  const limits: { maxAttempts?: number; timeoutMs?: number } = {}
  const errors: Record<string, string> = {}
  if (tries.trim()) {
    const n = Number(tries)
    if (!Number.isInteger(n) || n < 1 || n > MAX_ATTEMPTS) errors.maxAttempts = `A whole number from 1 to ${MAX_ATTEMPTS}`
    else limits.maxAttempts = n
  }
  if (timeout.trim()) {
    const s = Number(timeout)
    if (!Number.isFinite(s) || s <= 0 || s > MAX_TIMEOUT_SECONDS) errors.timeoutMs = `Seconds, more than 0 and at most ${MAX_TIMEOUT_SECONDS.toLocaleString()}`
    else limits.timeoutMs = Math.max(1, Math.round(s * 1000))
  }
  return { limits, errors }
}
