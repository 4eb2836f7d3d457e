import type { ApiClient, OffloadEvent } from './api'

/** What the preload exposes as `window.offload`: every contract method, plus the event stream. */
export type OffloadBridge = ApiClient & {
  /** Calls `listener` for every event; returns the function that stops it. */
  onEvent: (listener: (event: OffloadEvent) => void) => () => void
}
