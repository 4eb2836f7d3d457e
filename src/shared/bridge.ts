import type { MethodInput, MethodName, MethodOutput, OffloadEvent } from './api'
import type { ApiReply } from './wire-error'

/**
 * What the preload exposes as \`window.offload\`: every contract method, plus
 * the event stream. Each method resolves to a reply (value or error) rather
 * than throwing: across the context bridge an error keeps only its message,
 * and the code and detail are what a program branches on.
 */
export type OffloadBridge = { [M in MethodName]: (input: MethodInput<M>) => Promise<ApiReply<MethodOutput<M>>> } & {
  /** Calls \`listener\` for every event; returns the function that stops it. */
  onEvent: (listener: (event: OffloadEvent) => void) => () => void
  /** Opens a document of the documents index in the app the system gives its type (nothing else: the main process checks). */
  openDocument: (path: string) => Promise<ApiReply<null>>
  /** Shows a document of the documents index selected in its folder. */
  revealDocument: (path: string) => Promise<ApiReply<null>>
}
