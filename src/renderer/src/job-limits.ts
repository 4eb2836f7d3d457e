import { MAX_ATTEMPTS, MAX_TIMEOUT_MS } from '../../shared/vocabulary'

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

/** Where a job runs, as typed: an empty lane is the kind's own (null), empty slots one. The lane's name and the slots' limit are the server's to check. */
export function readPlacement(lane: string, slots: string): { lane: string | null; slots: number; errors: Record<string, string> } {
  const width = slots.trim() ? Number(slots) : 1
  const errors: Record<string, string> = {}
  if (!Number.isInteger(width) || width < 1) errors.slots = 'A whole number, 1 or more'
  return { lane: lane.trim() || null, slots: width, errors }
}
