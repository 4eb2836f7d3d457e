import { createHttpTransport } from './http-transport'
import { createIpcTransport } from './ipc-transport'
import type { Transport } from './transport'

const TOKEN_KEY = 'offload-token'

/**
 * The desktop app provides window.offload; a browser gets the token from the
 * URL the server printed (kept for the tab's life, then removed from the
 * address bar so it does not end up in screenshots or history).
 */
export function connect(): Transport | { error: string } {
  if (window.offload) return createIpcTransport(window.offload)
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl)
    url.searchParams.delete('token')
    history.replaceState(null, '', url.pathname + url.search + url.hash)
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY)
  if (!token) return { error: 'Open the address that "npm run serve" printed: it carries the access token.' }
  return createHttpTransport(window.location.origin, token)
}
