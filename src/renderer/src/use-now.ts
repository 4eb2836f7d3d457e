import { useSyncExternalStore } from 'react'

/**
 * One clock for the whole panel, ticking on the second: every running
 * duration on screen (the list's row, the detail pane) reads the same
 * instant, so they never disagree by a second.
 */
const TICK_MS = 1000
let current = Date.now()
const listeners = new Set<() => void>()
let timer: ReturnType<typeof setTimeout> | undefined

function tick(): void {
  current = Date.now()
  for (const listener of listeners) listener()
  timer = setTimeout(tick, TICK_MS - (Date.now() % TICK_MS))
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  if (timer === undefined) {
    current = Date.now()
    timer = setTimeout(tick, TICK_MS - (current % TICK_MS))
  }
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
  }
}

const idle = (): (() => void) => () => undefined

const snapshot = (): number => current

/** The panel's current time, re-rendering each second while `ticking` (a job runs, a retry waits). */
export function useNow(ticking: boolean): number {
  return useSyncExternalStore(ticking ? subscribe : idle, snapshot)
}
