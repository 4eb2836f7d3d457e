import type { ApiClient, OffloadEvent } from '../../../shared/api'

/** `unauthorized`: the server answers, but not to this token; waiting will not help. */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'unauthorized'

/** The typed API plus its event stream, over IPC in the desktop app or HTTP + SSE in a browser. */
export interface Transport {
  /** In the desktop app's window, or in a browser (a headless server's panel). */
  where: 'desktop' | 'browser'
  api: ApiClient
  /** The desktop app opens a found document, or shows it in its folder; a browser has no way to (and is absent). */
  documents?: DocumentOpener
  /** Events as they come; `onStatus` hears when the stream drops and comes back (then reload state). */
  subscribe(onEvent: (event: OffloadEvent) => void, onStatus: (status: ConnectionStatus) => void): () => void
}

export interface DocumentOpener {
  /** Opens the document in the app the system gives its type. */
  open(path: string): Promise<void>
  /** Shows the document selected in its folder (Finder, Explorer, the file manager). */
  reveal(path: string): Promise<void>
}
