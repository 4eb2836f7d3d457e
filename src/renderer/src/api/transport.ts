import type { ApiClient, OffloadEvent } from '../../../shared/api'

/** `unauthorized`: the server answers, but not to this token; waiting will not help. */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'unauthorized'

/** The typed API plus its event stream, over IPC in the desktop app or HTTP + SSE in a browser. */
export interface Transport {
  /** In the desktop app's window, or in a browser (a headless server's panel). */
  where: 'desktop' | 'browser'
  api: ApiClient
  /** Events as they come; `onStatus` hears when the stream drops and comes back (then reload state). */
  subscribe(onEvent: (event: OffloadEvent) => void, onStatus: (status: ConnectionStatus) => void): () => void
}
