/**
 * Whether an IPC message comes from the app's own page: the main frame, at
 * the page Offload loaded (the built index.html, or the dev server's origin).
 * Anything else (an iframe, a page navigated elsewhere) is refused.
 */
export function isTrustedSender(frame: { url: string; isMainFrame: boolean } | null | undefined, appUrl: string): boolean {
  if (!frame?.isMainFrame) return false
  let url: URL
  let app: URL
  try {
    url = new URL(frame.url)
    app = new URL(appUrl)
  } catch {
    return false
  }
  if (app.protocol === 'file:') return url.protocol === 'file:' && url.pathname === app.pathname
  return url.origin === app.origin
}
