import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createHttpServer } from '../../src/main/headless/http-server'
import { startHost, tempDir } from '../helpers'

const run = promisify(execFile)
const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz'
const AUTH = { authorization: `Bearer ${TOKEN}` }

type Body = { error?: { code: string; message: string } } & Record<string, unknown>
interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: Body
}

async function startApi(options: { rendererDir?: string; maxBodyBytes?: number } = {}) {
  const host = await startHost({ kinds: ['noop.mjs'] })
  const http = createHttpServer({ handlers: host.handlers, subscribe: (l) => host.engine.subscribe(l), token: TOKEN, ...options })
  const port = await http.listen(0)
  return { host, http, port, close: () => http.close() }
}

function parseBody(text: string, type = 'application/json'): Body {
  return (text && type.includes('json') ? JSON.parse(text) : {}) as Body
}

/** One request over node:http, which (unlike fetch) lets a test set Host and Origin as a browser or an attacker would. */
function send(port: number, options: { method?: string; path: string; headers?: OutgoingHttpHeaders; body?: string; setHost?: boolean }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      agent: false,
      method: options.method ?? 'GET',
      path: options.path,
      headers: options.headers,
      setHost: options.setHost ?? true,
    })
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text, res.headers['content-type']) }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Bytes written straight to a socket, and everything the server sent back before closing it. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('close', () => resolve(text))
    socket.on('error', (error) => (text ? resolve(text) : reject(error)))
    socket.write(bytes)
  })
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: Body } {
  const split = text.indexOf('\r\n\r\n')
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n')
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  return { status: Number(statusLine.split(' ')[1]), headers, body: parseBody(text.slice(split + 4)) }
}

/**
 * Run in a process of its own, as the CLI or curl would be: in the test's own
 * event loop, the client always reads the answer before it notices a reset.
 * POSTs `bytes` of body, declared up front or chunked, `count` times, and
 * prints what came back each time. Errors after the answer arrived (the
 * server closing on a client still writing) are fine; errors before it are
 * what this is about.
 */
const UPLOADER = `
import { request } from 'node:http'
const [port, bytes, framing, count, token] = process.argv.slice(1)
const body = Buffer.from('{"kind":"noop","params":{"blob":"' + 'x'.repeat(Number(bytes) - 36) + '"}}')
const upload = () => new Promise((resolve) => {
  const headers = { authorization: 'Bearer ' + token, 'content-type': 'application/json' }
  if (framing === 'declared') headers['content-length'] = body.length
  const req = request({ host: '127.0.0.1', port: Number(port), agent: false, method: 'POST', path: '/api/jobs', headers })
  let answered = false
  req.on('response', (res) => {
    answered = true
    let text = ''
    res.setEncoding('utf8')
    res.on('data', (chunk) => (text += chunk))
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }))
    res.on('error', (error) => resolve({ error: 'response ' + error.message }))
  })
  req.on('error', (error) => answered || resolve({ error: error.code ?? error.message }))
  if (framing === 'declared') return req.end(body)
  for (let at = 0; at < body.length; at += 65536) req.write(body.subarray(at, at + 65536))
  req.end()
})
const results = []
for (let i = 0; i < Number(count); i++) results.push(await upload())
console.log(JSON.stringify(results))
`

async function uploadTooMuch(port: number, bytes: number, framing: 'declared' | 'chunked', count: number): Promise<(Partial<Reply> & { error?: string })[]> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', UPLOADER, String(port), String(bytes), framing, String(count), TOKEN])
  const results = JSON.parse(stdout) as { status?: number; headers?: IncomingHttpHeaders; text?: string; error?: string }[]
  return results.map(({ text, ...rest }) => ({ ...rest, ...(text === undefined ? {} : { body: parseBody(text, rest.headers?.['content-type']) }) }))
}

/** POSTs with "Expect: 100-continue", sending the body only if the server asks for it. */
function uploadExpectingContinue(port: number, body: Buffer): Promise<Reply & { continued: boolean }> {
  return new Promise((resolve, reject) => {
    const headers = { ...AUTH, 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue' }
    const req = request({ host: '127.0.0.1', port, agent: false, method: 'POST', path: '/api/jobs', headers })
    let continued = false
    req.on('continue', () => {
      continued = true
      req.end(body)
    })
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text), continued })
        req.destroy()
      })
    })
    req.on('error', reject)
    req.flushHeaders()
  })
}

async function jobCount(port: number): Promise<number> {
  const { body } = await send(port, { path: '/api/jobs', headers: AUTH })
  return (body.jobs as unknown[]).length
}

function panelDir(): string {
  const dir = tempDir()
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Offload</title>')
  writeFileSync(join(dir, 'app.js'), 'console.log(1)')
  return dir
}

describe('HTTP server hardening', () => {
  it('refuses a request addressed to another host (DNS rebinding)', async () => {
    const { port, close } = await startApi({ rendererDir: panelDir() })
    const foreign = [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      'localhost',
      `localhost.:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `[::2]:${port}`,
    ]
    for (const host of foreign) {
      for (const path of ['/api/stats', '/', '/app.js']) {
        const res = await send(port, { path, headers: { ...AUTH, host } })
        expect([host, path, res.status, res.body.error?.code]).toEqual([host, path, 403, 'forbidden'])
        expect(res.headers['content-type']).toContain('application/json')
        expect(res.body.error?.message).toContain(`127.0.0.1:${port}`)
      }
    }
    const noHost = await send(port, { path: '/api/stats', headers: AUTH, setHost: false })
    expect([noHost.status, noHost.body.error?.code]).toEqual([403, 'forbidden'])
    // An absolute-form target names the host itself, whatever Host says.
    const absolute = await send(port, { path: 'http://evil.example/api/stats', headers: { ...AUTH, host: `127.0.0.1:${port}` } })
    expect([absolute.status, absolute.body.error?.code]).toEqual([403, 'forbidden'])
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LocalHost:${port}`]) {
      expect([host, (await send(port, { path: '/api/stats', headers: { ...AUTH, host } })).status]).toEqual([host, 200])
      expect([host, (await send(port, { path: '/', headers: { host } })).status]).toEqual([host, 200])
    }
    await close()
  })

  it('refuses a request from a page on another origin, even with the token', async () => {
    const { port, close } = await startApi({ rendererDir: panelDir() })
    const origins = ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, `http://localhost.evil.example:${port}`]
    for (const origin of origins) {
      const read = await send(port, { path: '/api/stats', headers: { ...AUTH, origin } })
      expect([origin, read.status, read.body.error?.code]).toEqual([origin, 403, 'forbidden'])
      expect(read.body.error?.message).toContain(origin)
      const write = await send(port, {
        method: 'POST',
        path: '/api/jobs',
        headers: { ...AUTH, origin, 'content-type': 'application/json' },
        body: '{"kind":"noop"}',
      })
      expect([origin, write.status]).toEqual([origin, 403])
      expect([origin, (await send(port, { path: '/', headers: { origin } })).status]).toEqual([origin, 403])
    }
    for (const path of ['/api/stats', '/', `/api/events?token=${TOKEN}`]) {
      const res = await send(port, { path, headers: { ...AUTH, 'sec-fetch-site': 'cross-site' } })
      expect([path, res.status, res.body.error?.code]).toEqual([path, 403, 'forbidden'])
    }
    expect(await jobCount(port)).toBe(0)
    await close()
  })

  it('still answers the panel it serves, and clients that send no Origin', async () => {
    const { port, close } = await startApi({ rendererDir: panelDir() })
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      const host = origin.slice('http://'.length)
      const sameOrigin = { host, origin, 'sec-fetch-site': 'same-origin' }
      const created = await send(port, {
        method: 'POST',
        path: '/api/jobs',
        headers: { ...AUTH, ...sameOrigin, 'content-type': 'application/json' },
        body: '{"kind":"noop"}',
      })
      expect([origin, created.status]).toEqual([origin, 201])
      const events = await new Promise<{ status: number; type: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, agent: false, path: `/api/events?token=${TOKEN}`, headers: sameOrigin })
        req.on('response', (res) => {
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '' })
          req.destroy()
        })
        req.on('error', reject)
        req.end()
      })
      expect(events.status).toBe(200)
      expect(events.type).toContain('text/event-stream')
    }
    for (const site of ['none', 'same-origin']) {
      expect((await send(port, { path: '/', headers: { 'sec-fetch-site': site } })).status).toBe(200)
    }
    expect((await send(port, { path: '/api/stats', headers: AUTH })).status).toBe(200)
    await close()
  })

  it('takes the Bearer scheme in any case, with any whitespace before the token', async () => {
    const { port, close } = await startApi()
    for (const authorization of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer    ${TOKEN}`, `bEaReR \t ${TOKEN}`]) {
      expect([authorization, (await send(port, { path: '/api/stats', headers: { authorization } })).status]).toEqual([authorization, 200])
    }
    for (const authorization of [`Bearer${TOKEN}`, `Basic ${TOKEN}`, 'bearer wrong', `Bearer ${TOKEN} extra`]) {
      const res = await send(port, { path: '/api/stats', headers: { authorization } })
      expect([authorization, res.status, res.body.error?.code]).toEqual([authorization, 401, 'unauthorized'])
    }
    await close()
  })

  it('answers an upload over the limit with a 413 the client gets to read, every time', async () => {
    const { port, close } = await startApi({ maxBodyBytes: 64 * 1024 })
    for (const framing of ['declared', 'chunked'] as const) {
      const results = await uploadTooMuch(port, 4 * 1024 * 1024, framing, 8)
      results.forEach((res, i) => {
        expect([framing, i, res.error, res.status, res.body?.error?.code]).toEqual([framing, i, undefined, 413, 'payload_too_large'])
        expect(res.body?.error?.message).toContain('64 KiB')
        expect(res.headers?.connection).toBe('close')
        expect(res.headers?.['content-type']).toContain('application/json')
      })
    }
    expect(await jobCount(port)).toBe(0)
    await close()
  })

  it('refuses a declared body over the limit before the client sends it (Expect: 100-continue)', async () => {
    const { port, close } = await startApi({ maxBodyBytes: 64 * 1024 })
    const big = await uploadExpectingContinue(port, Buffer.alloc(4 * 1024 * 1024, 'x'))
    expect([big.status, big.body.error?.code, big.continued]).toEqual([413, 'payload_too_large', false])
    const small = await uploadExpectingContinue(port, Buffer.from('{"kind":"noop"}'))
    expect([small.status, small.body.kind, small.continued]).toEqual([201, 'noop', true])
    expect(await jobCount(port)).toBe(1)
    await close()
  })

  it('answers bytes that are not HTTP with a JSON error', async () => {
    const { port, close } = await startApi()
    const cases: [string, string, number, string][] = [
      ['garbage', 'GARBAGE\r\n\r\n', 400, 'invalid_input'],
      ['a bad header line', `GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nno colon here\r\n\r\n`, 400, 'invalid_input'],
      ['a bad version', 'GET / HTTP/9.9\r\n\r\n', 400, 'invalid_input'],
      ['a 100 KB header', `GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ]
    for (const [what, bytes, status, code] of cases) {
      const res = parseRaw(await rawExchange(port, bytes))
      expect([what, res.status, res.body.error?.code]).toEqual([what, status, code])
      expect(res.headers['content-type']).toContain('application/json')
      expect(res.headers.connection).toBe('close')
      if (code === 'invalid_input') expect(res.body.error?.message).toMatch(/^Malformed HTTP request: \S/)
    }
    expect((await send(port, { path: '/api/stats', headers: AUTH })).status).toBe(200)
    await close()
  })

  it('never writes an error into a response already under way', async () => {
    const { port, close } = await startApi()
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk))
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    socket.on('error', () => undefined)
    socket.write(`GET /api/events?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    await new Promise<void>((resolve) => socket.once('data', () => resolve()))
    socket.write('GARBAGE\r\n\r\n')
    await closed
    expect(text).toMatch(/^HTTP\/1\.1 200 /)
    expect(text).toContain('text/event-stream')
    expect(text).not.toContain('Malformed HTTP request')
    await close()
  })

  it('refuses bodies nested too deep or carrying __proto__, creating nothing', async () => {
    const { port, close } = await startApi()
    const deep = `${'['.repeat(4100)}${']'.repeat(4100)}`
    const post = (path: string, body: string) => send(port, { method: 'POST', path, headers: { ...AUTH, 'content-type': 'application/json' }, body })
    const cases: [string, string, string][] = [
      ['/api/jobs', `{"kind":"noop","params":{"a":${deep}}}`, 'Request body params.a.0.0'],
      ['/api/jobs/batch', `{"jobs":[{"kind":"noop","params":{"a":${deep}}}]}`, 'Request body jobs.0.params.a.0'],
      ['/api/jobs', '{"kind":"shell","params":{"__proto__":{"x":1},"command":"true"}}', 'Request body params: The key "__proto__" is not allowed'],
      ['/api/jobs/batch', '{"jobs":[{"kind":"noop","params":{"__proto__":{}}}]}', 'Request body jobs.0.params: The key "__proto__"'],
    ]
    for (const [path, body, message] of cases) {
      const res = await post(path, body)
      expect([path, res.status, res.body.error?.code]).toEqual([path, 400, 'invalid_input'])
      expect(res.body.error?.message).toContain(message)
    }
    const nested = await post('/api/jobs', `{"kind":"noop","params":{"a":${deep}}}`)
    expect(nested.body.error?.message).toMatch(/: Nested more than 64 levels deep$/)
    expect(nested.body.error?.message.length).toBeLessThan(300)
    expect(await jobCount(port)).toBe(0)
    const { body: stats } = await send(port, { path: '/api/stats', headers: AUTH })
    expect(Object.values(stats.counts as Record<string, number>).every((n) => n === 0)).toBe(true)
    await close()
  })
})
