import type { OffloadBridge } from '../shared/bridge'

declare global {
  interface Window {
    /** Present in the desktop app; absent when the panel is served over HTTP. */
    offload?: OffloadBridge
  }
}

export {}
