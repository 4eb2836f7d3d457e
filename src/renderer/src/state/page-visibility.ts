/** Whether the panel is on screen; outside a page (unit tests under Node), it always is. */
export const pageShown = (): boolean => typeof document === 'undefined' || document.visibilityState !== 'hidden'

/** Calls `listener` each time the panel comes back on screen; returns the unsubscribe. */
export function onPageShown(listener: () => void): () => void {
  if (typeof document === 'undefined') return () => undefined
  const heard = (): void => {
    if (pageShown()) listener()
  }
  document.addEventListener('visibilitychange', heard)
  return () => document.removeEventListener('visibilitychange', heard)
}
