import { useEffect, useState } from 'react'

/** The current time, refreshed every `intervalMs`; when null, frozen at the moment it last changed. */
export function useNow(intervalMs: number | null): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    // Read on the next tick: a row that stops ticking (its job just ended) shows the time it ended, not the last tick.
    const first = setTimeout(() => setNow(Date.now()), 0)
    if (intervalMs === null) return () => clearTimeout(first)
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => {
      clearTimeout(first)
      clearInterval(timer)
    }
  }, [intervalMs])
  return now
}
