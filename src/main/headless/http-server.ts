import { timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { api, EVENTS_PATH, METHOD_NAMES, type ApiHandlers, type MethodName, type OffloadEvent } from '../../shared/api'
import { ApiError, HTTP_STATUS, parseOrThrow } from '../../shared/errors'

/** Large enough for a batch of 10,000 ordinary jobs, small enough that no request can exhaust memory. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024
const SSE_HEARTBEAT_MS = 15_000
/** A client this far behind on its event stream is dropped; it reconnects and reloads. */
const SSE_MAX_BUFFERED_BYTES = 8 * 1024 * 1024

export interface HttpServerOptions {
  handlers: ApiHandlers
  subscribe(listener: (event: OffloadEvent) => void): () => void
  token: string
  /** The built renderer, served at / so a browser gets the same panel as the desktop app. */
  rendererDir?: string
  maxBodyBytes?: number
}

interface Route {
  method: MethodName
  verb: string
  pattern: RegExp
  keys: string[]
  exact: boolean
}

const ROUTES: Route[] = METHOD_NAMES.map((method) => {
  const { path, method: verb } = api[method].http
  const keys: string[] = []
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key)
      return '([^/]+)'
    })}$`,
  )
  return { method, verb, pattern, keys, exact: keys.length === 0 }
})
// Literal paths first, so /api/jobs/batch is never read as a job id.
ROUTES.sort((a, b) => Number(b.exact) - Number(a.exact))

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'"

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(text)
}

function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, HTTP_STATUS[error.code], error.toBody())
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (declared > limit) return reject(tooLarge(limit))
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(tooLarge(limit))
        req.pause()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function tooLarge(limit: number): ApiError {
  return new ApiError('payload_too_large', `Request body is over the ${limit / 1024 / 1024} MiB limit`)
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ApiError('invalid_json', `Request body is not valid JSON: ${(error as Error).message}`)
  }
}

/**
 * The contract over HTTP: each method as a REST route, events as
 * Server-Sent Events, and the renderer as static files. Every API request
 * needs the bearer token; bad input gets a typed error and changes nothing.
 */
export interface HttpServer {
  server: Server
  /** Listens on 127.0.0.1 by default; resolves with the port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>
  close(): Promise<void>
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES
  const streams = new Set<ServerResponse>()

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    // EventSource cannot set headers, so the event stream also takes the token in the query.
    const given = bearer ?? (url.pathname === EVENTS_PATH ? url.searchParams.get('token') : null)
    if (!tokenMatches(given, options.token)) {
      throw new ApiError('unauthorized', 'Missing or wrong token: send "Authorization: Bearer <token>" (see server.json)')
    }
    if (url.pathname === EVENTS_PATH) {
      if (req.method !== 'GET') throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`)
      return openEventStream(req, res)
    }
    const matches = ROUTES.map((route) => ({ route, match: route.pattern.exec(url.pathname) })).filter((m) => m.match)
    if (matches.length === 0) throw new ApiError('not_found', `No route ${url.pathname}`)
    const found = matches.find((m) => m.route.verb === req.method)
    if (!found) {
      const allowed = matches.map((m) => m.route.verb).join(', ')
      res.setHeader('allow', allowed)
      throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}; use ${allowed}`)
    }
    const { route, match } = found
    let input: Record<string, unknown>
    if (req.method === 'GET') {
      input = Object.fromEntries(url.searchParams)
    } else {
      const body = parseJson(await readBody(req, limit))
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ApiError('invalid_input', 'Request body must be a JSON object')
      }
      input = body as Record<string, unknown>
    }
    route.keys.forEach((key, i) => (input[key] = decodeURIComponent(match![i + 1]!)))
    const parsed = parseOrThrow(api[route.method].input, input)
    const handler = options.handlers[route.method] as (input: unknown) => unknown
    const output = await handler(parsed)
    sendJson(res, 'status' in api[route.method].http ? (api[route.method].http as { status: number }).status : 200, output)
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    res.write('retry: 1000\n\n')
    streams.add(res)
    const unsubscribe = options.subscribe((event) => {
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) return res.destroy()
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    })
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS).unref()
    const close = (): void => {
      clearInterval(heartbeat)
      unsubscribe()
      streams.delete(res)
    }
    req.on('close', close)
    res.on('error', close)
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!options.rendererDir || (req.method !== 'GET' && req.method !== 'HEAD')) {
      throw new ApiError('not_found', `No route ${url.pathname}`)
    }
    const root = normalize(options.rendererDir)
    const wanted = normalize(join(root, decodeURIComponent(url.pathname)))
    if (wanted !== root && !wanted.startsWith(root + sep)) throw new ApiError('not_found', `No file ${url.pathname}`)
    let file = wanted
    const info = await stat(file).catch(() => undefined)
    if (!info || info.isDirectory()) file = join(root, 'index.html')
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
    const size = (await stat(file).catch(() => undefined))?.size
    if (size === undefined) throw new ApiError('not_found', 'The panel is not built; run "npm run build"')
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': size, 'content-security-policy': PAGE_CSP })
    if (req.method === 'HEAD') return void res.end()
    createReadStream(file).pipe(res)
  }

  const server = createServer((req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      return sendError(res, new ApiError('invalid_input', 'Malformed request URL'))
    }
    const work = url.pathname.startsWith('/api/') || url.pathname === '/api' ? handleApi(req, res, url) : serveStatic(req, res, url)
    work.catch((error: unknown) => {
      if (res.headersSent) return res.destroy()
      if (error instanceof ApiError) {
        sendError(res, error)
        if (error.code === 'payload_too_large') res.once('finish', () => req.destroy())
        return
      }
      if (error instanceof URIError) return sendError(res, new ApiError('invalid_input', 'Malformed percent-encoding in the URL'))
      console.error('offload: request failed', error)
      sendError(res, new ApiError('internal', `Internal error: ${(error as Error)?.message ?? String(error)}`))
    })
  })
  return {
    server,
    listen: (port, host = '127.0.0.1') =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve((server.address() as AddressInfo).port)
        })
      }),
    // Event streams never end by themselves; closing must not wait for them.
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.destroy()
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  }
}
