import { timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import { api, EVENTS_PATH, METHOD_NAMES, parseRequest, type ApiHandlers, type MethodName, type OffloadEvent } from '../../shared/api'
import { CONTENT_SECURITY_POLICY } from '../../shared/content-security-policy'
import { ApiError, HTTP_STATUS } from '../../shared/errors'
import { EXPORT_CONTENT_TYPE, EXPORT_PATH, IMPORT_PATH, type TransferRoutes } from '../../shared/export'

/** Large enough for a batch of 10,000 ordinary jobs, small enough that no request can exhaust memory. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024
const SSE_HEARTBEAT_MS = 15_000
/** A client this far behind on its event stream is dropped; it reconnects and reloads. */
const SSE_MAX_BUFFERED_BYTES = 8 * 1024 * 1024
/**
 * After refusing a request, the rest of what the client sends is read and
 * dropped for this long, up to this much, before the socket closes: closing a
 * socket with unread bytes sends a reset, and a client still uploading then
 * loses the answer it has not read yet.
 */
const LINGER_MS = 5_000
const LINGER_MAX_BYTES = 4 * MAX_BODY_BYTES
/**
 * An import is read whole (every line is checked before anything is stored):
 * this bounds the memory it takes, a few hundred thousand jobs. A bigger
 * queue goes over in parts, each with its header, parents before the jobs
 * that depend on them.
 */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024

export interface HttpServerOptions {
  handlers: ApiHandlers
  subscribe(listener: (event: OffloadEvent) => void): () => void
  token: string
  /** The built renderer, served at / so a browser gets the same panel as the desktop app. */
  rendererDir?: string
  maxBodyBytes?: number
  /** GET /api/export and POST /api/import; without it they are not found. */
  transfer?: TransferRoutes
  maxImportBytes?: number
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

const JSON_TYPE = 'application/json; charset=utf-8'

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': JSON_TYPE, 'cache-control': 'no-store' })
  res.end(text)
}

function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, HTTP_STATUS[error.code], error.toBody())
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

/** The authorities ("host:port") a request for this server may name; clients leave out port 80. */
function ownAuthorities(port: number): string[] {
  const withPort = LOOPBACK_NAMES.map((name) => `${name}:${port}`)
  return port === 80 ? [...withPort, ...LOOPBACK_NAMES] : withPort
}

/** Whom the request is for: an absolute-form target overrides Host (RFC 9112 §3.2.2). */
function requestedAuthority(req: IncomingMessage): string | undefined {
  if (req.url?.startsWith('/')) return req.headers.host?.toLowerCase()
  try {
    return new URL(req.url ?? '').host
  } catch {
    return undefined
  }
}

/**
 * The token keeps the API shut, but a web page can still reach 127.0.0.1,
 * under its own name by DNS rebinding or cross-site through the browser.
 * Neither gets an answer, not even a static file; only the panel this server
 * serves, and clients that are no browser page (curl, the CLI), do.
 */
function refuseForeign(req: IncomingMessage): void {
  const port = req.socket.localPort ?? 0
  const own = ownAuthorities(port)
  const panel = `http://127.0.0.1:${port}/`
  const authority = requestedAuthority(req)
  if (!authority || !own.includes(authority)) {
    const named = authority ? JSON.stringify(authority) : 'no host'
    throw new ApiError(
      'forbidden',
      `Refused: this request was addressed to ${named}, but this server only answers requests for 127.0.0.1:${port} or localhost:${port}. Open ${panel} (a proxy in front of it must keep the Host header).`,
    )
  }
  const origin = req.headers.origin
  if (origin !== undefined && !own.some((a) => origin.toLowerCase() === `http://${a}`)) {
    throw new ApiError('forbidden', `Refused: a page from ${JSON.stringify(origin)} may not call this server; only the panel served at ${panel} may.`)
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    throw new ApiError('forbidden', `Refused: the browser marked this request cross-site; only the panel served at ${panel} may call this server.`)
  }
}

function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The token from "Authorization: Bearer <token>"; the scheme is case-insensitive (RFC 7235). */
function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer[ \t]+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]
}

/** Reads the body; `onReading` runs once the body is wanted, so a 100 Continue goes out only then. */
function readBody(req: IncomingMessage, limit: number, onReading?: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (declared > limit) return reject(tooLarge(limit))
    onReading?.()
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      // Stop keeping the body; refusing the upload reads and drops the rest.
      req.off('data', onData)
      chunks.length = 0
      reject(tooLarge(limit))
    }
    req.on('data', onData)
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function tooLarge(limit: number): ApiError {
  return new ApiError('payload_too_large', `Request body is over the ${formatBytes(limit)} limit`)
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ApiError('invalid_json', `Request body is not valid JSON: ${(error as Error).message}`)
  }
}

/** A JSON object; its shape (depth, keys) is checked with the rest of the request by parseRequest. */
function parseBody(text: string): Record<string, unknown> {
  const body = parseJson(text)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('invalid_input', 'Request body must be a JSON object')
  }
  return body as Record<string, unknown>
}

/**
 * Answers 413 and closes, without resetting a client that is still
 * uploading: the answer is complete at once (Content-Length), but the
 * response stays open, which keeps Node from closing the socket, while the
 * rest of the upload is read and dropped, up to the linger bounds.
 */
function refuseUpload(req: IncomingMessage, res: ServerResponse, error: ApiError, heldOpen: Set<ServerResponse>): void {
  const text = JSON.stringify(error.toBody())
  res.writeHead(HTTP_STATUS[error.code], {
    ...SECURITY_HEADERS,
    'content-type': JSON_TYPE,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    connection: 'close',
  })
  res.write(text)
  heldOpen.add(res)
  let dropped = 0
  const close = (): void => {
    clearTimeout(timer)
    req.off('data', drop)
    heldOpen.delete(res)
    res.end()
  }
  const drop = (chunk: Buffer): void => {
    dropped += chunk.length
    if (dropped > LINGER_MAX_BYTES) close()
  }
  const timer = setTimeout(close, LINGER_MS).unref()
  req.on('data', drop)
  req.once('end', close)
  req.once('error', close)
  res.once('close', close)
  req.resume()
}

/** What to say to a client whose bytes were not HTTP; nothing for a broken connection. */
function clientErrorResponse(error: Error & { code?: string; reason?: string }): string | undefined {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
  // Anything else not from the parser is the socket failing (reset, broken pipe): no one is listening.
  if (!error.code?.startsWith('HPE_')) return undefined
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError('headers_too_large', `Request headers are over the ${formatBytes(maxHeaderSize)} limit`)
      : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
        ? new ApiError('payload_too_large', 'Request body chunk extensions are too large')
        : new ApiError('invalid_input', `Malformed HTTP request: ${error.reason ?? error.message}`)
  return rawJsonResponse(refusal)
}

/** A whole response as bytes, for a socket that has no ServerResponse. */
function rawJsonResponse(error: ApiError): string {
  const status = HTTP_STATUS[error.code]
  const text = JSON.stringify(error.toBody())
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': JSON_TYPE,
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(text)),
    connection: 'close',
  }
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
  return `${head.join('\r\n')}\r\n\r\n${text}`
}

/** Sends `response`, then drops what else arrives (bounded, as for a refused upload) before closing. */
function answerAndClose(socket: Duplex, response: string): void {
  socket.end(response)
  let dropped = 0
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref()
  socket.on('data', (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > LINGER_MAX_BYTES) socket.destroy()
  })
  socket.once('end', () => socket.destroy())
  socket.once('close', () => clearTimeout(timer))
  socket.resume()
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
  // Event streams and refused uploads stay open on purpose; closing must not wait for them.
  const heldOpen = new Set<ServerResponse>()
  // The response each socket is on, so a parse error never writes into the middle of one.
  const responses = new WeakMap<Duplex, ServerResponse>()
  // Sockets already told their bytes were not HTTP: the parser reports each further chunk again.
  const answered = new WeakSet<Duplex>()
  // Requests still being answered: once closing, their connections end with the answer rather than idling out keep-alive.
  const answering = new Set<ServerResponse>()
  let closing = false

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, expectsContinue: boolean): Promise<void> {
    const bearer = bearerToken(req)
    // EventSource cannot set headers, so the event stream also takes the token in the query.
    const given = bearer ?? (url.pathname === EVENTS_PATH ? url.searchParams.get('token') : null)
    if (!tokenMatches(given, options.token)) {
      throw new ApiError('unauthorized', 'Missing or wrong token: send "Authorization: Bearer <token>" (see server.json)')
    }
    if (url.pathname === EVENTS_PATH) {
      if (req.method !== 'GET') throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`)
      return openEventStream(req, res)
    }
    if (url.pathname === EXPORT_PATH || url.pathname === IMPORT_PATH) return transferRoute(req, res, url, expectsContinue)
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
      input = parseBody(await readBody(req, limit, expectsContinue ? () => res.writeContinue() : undefined))
    }
    route.keys.forEach((key, i) => (input[key] = decodeURIComponent(match![i + 1]!)))
    const parsed = parseRequest(route.method, input, req.method === 'GET' ? 'Query' : 'Request body')
    const handler = options.handlers[route.method] as (input: unknown) => unknown
    const output = await handler(parsed)
    sendJson(res, 'status' in api[route.method].http ? (api[route.method].http as { status: number }).status : 200, output)
  }

  async function transferRoute(req: IncomingMessage, res: ServerResponse, url: URL, expectsContinue: boolean): Promise<void> {
    if (!options.transfer) throw new ApiError('not_found', `No route ${url.pathname}`)
    const verb = url.pathname === EXPORT_PATH ? 'GET' : 'POST'
    if (req.method !== verb) {
      res.setHeader('allow', verb)
      throw new ApiError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}; use ${verb}`)
    }
    if (verb === 'GET') return streamExport(res, options.transfer.exportChunks())
    const importLimit = options.maxImportBytes ?? MAX_IMPORT_BYTES
    const text = await readBody(req, importLimit, expectsContinue ? () => res.writeContinue() : undefined).catch((error: unknown) => {
      if (!(error instanceof ApiError) || error.code !== 'payload_too_large') throw error
      throw new ApiError(
        'payload_too_large',
        `The import is over the ${formatBytes(importLimit)} limit; split the file into parts, each starting with the header line and with jobs after those they depend on, and import them in order`,
      )
    })
    sendJson(res, 200, await options.transfer.importText(text))
  }

  /** Chunk by chunk, waiting while the client is behind and giving other requests a turn between chunks. */
  async function streamExport(res: ServerResponse, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
    const iterator = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]()
    // The first chunk before the head: a failure to read anything is still a typed error.
    let next = await iterator.next()
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': EXPORT_CONTENT_TYPE,
      'cache-control': 'no-store',
      'content-disposition': 'attachment; filename="offload-export.jsonl"',
    })
    try {
      for (; !next.done; next = await iterator.next()) {
        if (res.destroyed) return
        if (res.write(next.value)) await new Promise((resolve) => setImmediate(resolve))
        else
          await new Promise<void>((resolve) => {
            const done = (): void => {
              res.off('drain', done)
              res.off('close', done)
              resolve()
            }
            res.on('drain', done)
            res.on('close', done)
          })
      }
      res.end()
    } finally {
      await iterator.return?.()
    }
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    res.write('retry: 1000\n\n')
    heldOpen.add(res)
    const unsubscribe = options.subscribe((event) => {
      if (res.writableLength > SSE_MAX_BUFFERED_BYTES) return res.destroy()
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    })
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS).unref()
    const close = (): void => {
      clearInterval(heartbeat)
      unsubscribe()
      heldOpen.delete(res)
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
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': size, 'content-security-policy': CONTENT_SECURITY_POLICY })
    if (req.method === 'HEAD') return void res.end()
    createReadStream(file).pipe(res)
  }

  async function respond(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    refuseForeign(req)
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      throw new ApiError('invalid_input', 'Malformed request URL')
    }
    const isApi = url.pathname.startsWith('/api/') || url.pathname === '/api'
    return isApi ? handleApi(req, res, url, expectsContinue) : serveStatic(req, res, url)
  }

  function answerFailure(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    // Half an answer is already out, or the client is gone: nothing can be said any more.
    if (res.headersSent || req.socket.destroyed) return void res.destroy()
    if (error instanceof ApiError) {
      return error.code === 'payload_too_large' ? refuseUpload(req, res, error, heldOpen) : sendError(res, error)
    }
    if (error instanceof URIError) return sendError(res, new ApiError('invalid_input', 'Malformed percent-encoding in the URL'))
    console.error('offload: request failed', error)
    sendError(res, new ApiError('internal', `Internal error: ${(error as Error)?.message ?? String(error)}`))
  }

  function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    responses.set(req.socket, res)
    if (closing) res.shouldKeepAlive = false
    answering.add(res)
    res.once('close', () => answering.delete(res))
    respond(req, res, expectsContinue).catch((error: unknown) => answerFailure(req, res, error))
  }

  function onClientError(error: Error & { code?: string; reason?: string }, socket: Duplex): void {
    if (answered.has(socket)) return
    const current = responses.get(socket)
    const midResponse = current !== undefined && current.headersSent && !current.writableFinished
    const response = socket.writable && !midResponse ? clientErrorResponse(error) : undefined
    if (response === undefined) return void socket.destroy()
    answered.add(socket)
    answerAndClose(socket, response)
  }

  // Without a Host header a request gets the same JSON refusal as a wrong one, not Node's bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => handle(req, res, false))
  // Answered here, so a body over the limit is refused before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true))
  server.on('clientError', onClientError)
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
    close: () =>
      new Promise<void>((resolve) => {
        closing = true
        for (const res of heldOpen) res.destroy()
        for (const res of answering) {
          if (!res.headersSent) res.shouldKeepAlive = false
          else res.once('finish', () => res.req.socket.end())
        }
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  }
}
