/**
 * Fuzz torture: thousands of bad requests, from a seeded generator, on every
 * route of the contract (src/shared/api.ts) and below it, as raw bytes over a
 * socket. Never a 5xx; every error is `{"error": {"code", "message"}}` with the
 * status its code maps to; and a refused request changes nothing (the
 * database is compared before and after each one; only a 2xx may change it).
 *
 * Replay a run with TORTURE_SEED=<seed> (printed with the figures).
 * Figures: requests, 5xx, changed, badShape, hung, accepted …
 */
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { request, Agent } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { api, METHOD_NAMES, type MethodName } from '../../src/shared/api'
import { ApiErrorBodySchema, HTTP_STATUS } from '../../src/shared/errors'
import {
  createRng,
  dataFolderWithTortureKinds,
  killEverything,
  LONG,
  longBudgetSeconds,
  printFigures,
  removeTempDirs,
  seedFromEnv,
  sleep,
  startServer,
  waitUntil,
  type Rng,
  type RunningServer,
} from './lib'

const SHORT_REQUESTS = 3000
const MIB = 1024 * 1024
const LIMIT = 16 * MIB

afterAll(async () => {
  await killEverything()
  removeTempDirs()
})

interface FuzzRequest {
  family: string
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Buffer
  /** Raw bytes over a socket instead of an HTTP client. */
  raw?: Buffer
}

interface FuzzResponse {
  /** Every status line seen (a raw request may get several). */
  statuses: number[]
  status: number | undefined
  headers: Record<string, string | string[] | undefined>
  body: string
  error?: string
  hung?: boolean
}

// ── Generators ───────────────────────────────────────────────────────────

const STRANGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u202d',
  '💥'.repeat(50),
  '%00',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE jobs; --",
  '\r\nX-Injected: 1',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '0x10',
  'true',
  '__proto__',
  'constructor',
]
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'kind ', 'KIND', '\u0000', 'a'.repeat(5000)]
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'FOO']
const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/xml',
  'application/octet-stream',
  ';;;',
  'application/json; ' + 'x'.repeat(4000),
  'APPLICATION/JSON',
  '',
]

function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, 11)) {
    case 0:
      return null
    case 1:
      return rng.chance(0.5)
    case 2:
      return rng.pick([0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, 1e-300, 4294967296, 100_000_000_000])
    case 3:
      return rng.pick(STRANGE_STRINGS)
    case 4:
      return rng.string(rng.int(1, 30))
    case 5:
      return depth > 2 ? [] : Array.from({ length: rng.int(0, 4) }, () => randomValue(rng, depth + 1))
    case 6:
      return depth > 2
        ? {}
        : Object.fromEntries(Array.from({ length: rng.int(0, 3) }, () => [rng.pick([...ODD_KEYS, rng.string(5)]), randomValue(rng, depth + 1)]))
    case 7:
      return 'x'.repeat(rng.int(1000, 300_000))
    case 8:
      return rng.pick(['01J00000000000000000000000', '01j00000000000000000000000', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ', '0'.repeat(27)])
    case 9:
      return rng.pick(['queued', 'running', 'failed', 'high', 'urgent', 'shell', 't-any'])
    case 10:
      return { kind: 'shell', params: { command: rng.pick(['true', 'exit 1', '']) } }
    default:
      return rng.int(-1000, 1000)
  }
}

/** A real folder small enough to hash at once: /tmp on a CI machine can hold whole clones, and a hash of it outlasts the run's waits. */
const SMALL_FOLDER = join(import.meta.dirname, 'kinds')

/** A request body the route would accept, as the starting point for breaking it. */
function plausibleBody(method: MethodName, rng: Rng, ids: string[]): Record<string, unknown> {
  const job = () => ({
    // The built-in kinds' schemas get odd params too; with a small folder, those that take one finish at once.
    kind: rng.pick(['shell', 't-any', 'hash-files', 'find-duplicates', 'index-documents', 'thumbnails', 'extract', 'download', 'transcode']),
    params: rng.pick([{ command: 'true' }, { anything: 1 }, { folder: SMALL_FOLDER }, { file: SMALL_FOLDER, out: SMALL_FOLDER }, { url: 'ftp://x' }]),
    name: `fuzz ${rng.string(6)}`,
    priority: rng.pick(['low', 'normal', 'high', 'urgent']),
    maxAttempts: rng.int(1, 5),
    timeoutMs: rng.int(1, 100_000),
  })
  // Filters that match little (a name no job has, or one status): acting on everything would leave the rest of the run nothing to break.
  const filter = () =>
    rng.pick([{ q: 'no such job' }, { status: 'cancelled' }, { status: ['failed', 'cancelled'], kind: 'shell' }, { kind: 'hash-files', q: 'fuzz' }])
  switch (method) {
    case 'createJob':
      return job()
    case 'createJobs':
      return { jobs: Array.from({ length: rng.int(1, 3) }, job) }
    case 'cancelJobs':
    case 'retryJobs':
    case 'removeJobs':
      return rng.chance(0.3) ? { filter: filter() } : { ids: ids.slice(0, rng.int(1, ids.length)) }
    case 'setPriority':
      return { ...(rng.chance(0.3) ? { filter: filter() } : { ids: ids.slice(0, rng.int(1, ids.length)) }), priority: 'high' }
    case 'updateSettings':
      return { concurrency: rng.int(1, 4) }
    default:
      return {}
  }
}

function plausibleQuery(method: MethodName, rng: Rng, ids: string[]): Record<string, string> {
  if (method !== 'listJobs') return {}
  const q: Record<string, string> = {}
  if (rng.chance(0.5)) q.status = rng.pick(['queued', 'cancelled', 'failed'])
  if (rng.chance(0.3)) q.kind = 'shell'
  if (rng.chance(0.3)) q.q = 'fuzz'
  if (rng.chance(0.3)) q.sort = rng.pick(['newest', 'oldest'])
  if (rng.chance(0.5)) q.limit = String(rng.int(1, 1000))
  const paging = rng.next()
  if (paging < 0.2) q.cursor = rng.pick(ids)
  else if (paging < 0.36) q.offset = String(rng.int(0, 100))
  if (rng.chance(0.3)) q.count = 'true'
  return q
}

/** Breaks a JSON value: wrong types, missing and extra fields, huge strings, odd keys. */
function mutate(value: Record<string, unknown>, rng: Rng): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>
  const targets: Record<string, unknown>[] = [copy]
  for (const v of Object.values(copy)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) targets.push(v as Record<string, unknown>)
    if (Array.isArray(v)) for (const item of v) if (item && typeof item === 'object' && !Array.isArray(item)) targets.push(item as Record<string, unknown>)
  }
  for (let n = rng.int(1, 3); n > 0; n--) {
    const target = rng.pick(targets)
    const keys = Object.keys(target)
    // An empty body ({} for pause, resume, cancel …) is valid: break it by adding to it.
    switch (keys.length === 0 && rng.chance(0.9) ? 2 : rng.int(0, 5)) {
      case 0: // wrong type
        if (keys.length) target[rng.pick(keys)] = randomValue(rng)
        break
      case 1: // missing field
        if (keys.length) delete target[rng.pick(keys)]
        break
      case 2: // extra field
        target[rng.pick([...ODD_KEYS, rng.string(8)])] = randomValue(rng)
        break
      case 3: // huge string
        if (keys.length) target[rng.pick(keys)] = rng.pick(['x', '\u00e9', '💥', '\\"']).repeat(rng.int(10_000, 600_000))
        break
      case 4: // the whole thing becomes something else
        return rng.pick([[copy], null, 42, 'string', true, [], [[]]])
      default: // numbers that are not quite numbers
        if (keys.length) target[rng.pick(keys)] = rng.pick([1.5, -1, 0, Infinity /* null in JSON */, 2 ** 63, -0])
    }
  }
  return copy
}

/** `{"a":{"a":…}}` or `[[[…]]]`, `levels` deep, as text (JSON.stringify would overflow first). */
function deepJson(levels: number, rng: Rng): string {
  return rng.chance(0.5) ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels)
}

function withProto(rng: Rng, kind: string): string {
  return rng.pick([
    `{"__proto__":{"kind":"shell"},"kind":"${kind}","params":{"command":"true"}}`,
    `{"kind":"${kind}","params":{"command":"true","__proto__":{"polluted":true}}}`,
    `{"kind":"${kind}","params":{"a":{"b":{"__proto__":{"polluted":true}}}}}`,
    `{"kind":"shell","params":{"command":"true","env":{"__proto__":"x"}}}`,
    `{"jobs":[{"kind":"${kind}","params":{"__proto__":[]}}]}`,
    `{"concurrency":2,"__proto__":{"concurrency":64}}`,
    `{"ids":[],"__proto__":{"ids":["01J00000000000000000000000"]}}`,
    `{"constructor":{"prototype":{"polluted":true}},"kind":"${kind}"}`,
  ])
}

const BAD_JSON = [
  '{',
  '{"kind":',
  '{"kind":"shell",}',
  "{'kind':'shell'}",
  '{"kind":"shell" "params":{}}',
  '{"kind":NaN}',
  '{"kind":Infinity}',
  '{"kind":"shell"} trailing',
  '// comment\n{}',
  '\ufeff{"kind":"shell"}',
  '{"kind":"\\ud800"}',
  '{"kind":"\\x41"}',
  '{"kind":"shell","kind":"t-any","params":{}}',
  '[',
  ']',
  '"',
  '\u0000',
  'null',
  '0',
  '-',
  '1e999999',
  '{"a":' + '9'.repeat(100_000) + '}',
]

const BAD_IDS = [
  'not-an-id',
  '01j00000000000000000000000',
  '01J0000000000000000000000',
  '01J000000000000000000000000',
  '01J0000000000000000000000I',
  '..',
  '%2e%2e',
  '%2F',
  '%',
  '%zz',
  '%E0%A4%A',
  '%ff%fe',
  '%00',
  '%C0%AF',
  '💥',
  '%F0%9F%92%A5',
  'batch',
  'cancel',
  ' ',
  '%20',
  'a'.repeat(3000),
]

function bodyRoutes(): MethodName[] {
  return METHOD_NAMES.filter((m) => api[m].http.method !== 'GET')
}

function fillPath(path: string, id: string): string {
  return path.replace(':id', id)
}

function makeRequest(rng: Rng, ids: string[], token: string, host: string): FuzzRequest {
  const auth = { authorization: `Bearer ${token}` }
  const json = { 'content-type': 'application/json' }
  const route = rng.pick(METHOD_NAMES)
  const spec = api[route].http
  const goodId = ids.length ? rng.pick(ids) : '01J00000000000000000000000'
  const path = fillPath(spec.path, goodId)
  const roll = rng.next()

  // Bodies at and above the 16 MiB limit, now and then.
  if (roll < 0.004) {
    const size = rng.pick([LIMIT, LIMIT + 1, LIMIT + rng.int(2, MIB)])
    const head = '{"kind":"t-any","params":{"blob":"'
    const tail = '"}}'
    const body = head + 'x'.repeat(size - head.length - tail.length) + tail
    return { family: `limit-${size === LIMIT ? 'at' : 'over'}`, method: 'POST', path: '/api/jobs', headers: { ...auth, ...json }, body }
  }
  if (roll < 0.1) return rawRequest(rng, token, host, path, goodId)
  if (roll < 0.2) {
    // Missing, wrong, odd tokens, on any route, with a body that might otherwise be fine.
    const bad = rng.pick([
      undefined,
      'Bearer',
      'Bearer ',
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      `bearer ${token}x`,
      `bearer`,
      `BEARER ${token}x`,
      `BEARER wrong`,
      `Basic ${Buffer.from(`user:${token}`).toString('base64')}`,
      token,
      `Bearer  ${token}`,
      `Bearer ${token} `,
      `Bearer ${'x'.repeat(8000)}`,
      `Token ${token}`,
      `Bearer ${token.toUpperCase()}`,
    ])
    const headers: Record<string, string> = { ...json }
    if (bad !== undefined) headers.authorization = bad
    const query = rng.chance(0.3) ? `?token=${token}` : ''
    return {
      family: 'auth',
      method: spec.method,
      path: path + query,
      headers,
      ...(spec.method === 'GET' ? {} : { body: JSON.stringify(plausibleBody(route, rng, ids)) }),
    }
  }
  if (roll < 0.3) {
    // The wrong method for a path.
    const method = rng.pick(METHODS.filter((m) => m !== spec.method))
    return { family: 'method', method, path, headers: { ...auth, ...json }, ...(rng.chance(0.5) ? { body: '{}' } : {}) }
  }
  if (roll < 0.4) {
    // Bad ids and odd paths.
    const id = rng.pick(BAD_IDS)
    const routesWithId = METHOD_NAMES.filter((m) => api[m].http.path.includes(':id'))
    const r = api[rng.pick(routesWithId)].http
    const odd = rng.pick([
      fillPath(r.path, id),
      fillPath(r.path, id),
      fillPath(r.path, id),
      `${path}/`,
      `${path}//`,
      path.toUpperCase(),
      `/api//jobs`,
      `/api/jobs/${goodId}/logs/extra`,
      `/api/${rng.pick(BAD_IDS)}`,
      `/api`,
      `/api/jobs/${goodId}/%2E%2E/cancel`,
      `/api/jobs?${rng.pick(BAD_IDS)}=%`,
    ])
    return { family: 'path', method: r.method, path: odd, headers: { ...auth, ...json }, ...(r.method === 'GET' ? {} : { body: '{}' }) }
  }
  if (spec.method === 'GET' || roll < 0.5) {
    // Query strings: unknown, repeated, wrong and huge values, bad percent-encoding.
    const routeForQuery = spec.method === 'GET' ? route : rng.pick(METHOD_NAMES.filter((m) => api[m].http.method === 'GET'))
    const q = plausibleQuery(routeForQuery, rng, ids)
    const parts = Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    for (let n = rng.int(1, 3); n > 0; n--) {
      parts.push(
        rng.pick([
          `status=${rng.pick(['done', 'QUEUED', '', 'queued,failed'])}`,
          `status=queued&status=failed`,
          `limit=${rng.pick(['0', '-1', '1001', '1e3', 'lots', '1.5', '', '99999999999999999999', 'Infinity', '0x10'])}`,
          `offset=${rng.pick(['-1', '10000001', 'x', '1.5', ''])}`,
          `cursor=${rng.pick(BAD_IDS)}`,
          `sort=${rng.pick(['asc', 'sideways', '', 'NEWEST'])}`,
          `count=${rng.pick(['maybe', '1', 'yes', ''])}`,
          `q=${rng.pick(['%E0%A4%A', '%', '%zz', 'x'.repeat(201), encodeURIComponent('x'.repeat(5000)), ''])}`,
          `kind=${rng.pick(['', 'x'.repeat(101)])}`,
          `${rng.pick(ODD_KEYS.slice(0, 6))}=1`,
          `${rng.string(5)}=${rng.string(5)}`,
          `cursor=${rng.pick(ids.length ? ids : ['x'])}&offset=3`,
          `%=%`,
          `&&&=&`,
          `token=${token}`,
        ]),
      )
    }
    const r = api[routeForQuery].http
    return { family: 'query', method: 'GET', path: `${fillPath(r.path, goodId)}?${parts.join('&')}`, headers: { ...auth } }
  }

  // Bodies: wrong types, missing and extra fields, huge strings, deep nesting, __proto__, bad JSON, odd content types.
  const bodyRoute = rng.pick(bodyRoutes())
  const r = api[bodyRoute].http
  const target = fillPath(r.path, goodId)
  const headers: Record<string, string> = { ...auth, ...json }
  const kind = rng.pick(['shell', 't-any'])
  let body: string
  let family: string
  const pick = rng.next()
  if (pick < 0.45) {
    family = 'body'
    body = JSON.stringify(mutate(plausibleBody(bodyRoute, rng, ids), rng)) ?? 'null'
  } else if (pick < 0.6) {
    family = 'json'
    body = rng.pick(BAD_JSON)
  } else if (pick < 0.7) {
    family = 'deep'
    const levels = rng.chance(0.8) ? rng.int(3500, 4500) : rng.int(10_000, 30_000)
    body = rng.pick([
      deepJson(levels, rng),
      `{"kind":"${kind}","params":{"deep":${deepJson(levels, rng)}}}`,
      `{"jobs":[{"kind":"t-any","params":{"d":${deepJson(levels, rng)}}}]}`,
      `{"ids":${deepJson(levels, rng)}}`,
    ])
  } else if (pick < 0.8) {
    family = 'proto'
    body = withProto(rng, kind)
  } else if (pick < 0.9) {
    family = 'ctype'
    headers['content-type'] = rng.pick(CONTENT_TYPES)
    if (headers['content-type'] === '') delete headers['content-type']
    body = rng.pick([JSON.stringify(mutate(plausibleBody(bodyRoute, rng, ids), rng)) ?? '{}', 'kind=shell&params=x', '<job kind="shell"/>', '------x\r\n\r\n'])
  } else {
    family = 'huge'
    body = JSON.stringify({ ...plausibleBody(bodyRoute, rng, ids), [rng.pick(['name', 'kind', 'priority', 'extra'])]: 'y'.repeat(rng.int(100_000, 4 * MIB)) })
  }
  return { family, method: r.method, path: target, headers, body }
}

/** Malformed HTTP below the client: broken request lines, headers, lengths, encodings. */
function rawRequest(rng: Rng, token: string, host: string, path: string, id: string): FuzzRequest {
  const h = `Host: ${host}\r\n`
  const a = `Authorization: Bearer ${token}\r\n`
  const body = '{"kind":"t-any"}'
  const variants: (() => string | Buffer)[] = [
    () => 'GARBAGE\r\n\r\n',
    () => '\r\n\r\n\r\n',
    () => Buffer.from(Array.from({ length: rng.int(1, 300) }, () => rng.int(0, 255))),
    () => `GET ${path}\r\n\r\n`,
    () => `GET ${path} HTTP/9.9\r\n${h}\r\n`,
    () => `GET ${path} HTTP/1.1\r\n\r\n`,
    () => `get ${path} HTTP/1.1\r\n${h}${a}\r\n`,
    () => `FOO ${path} HTTP/1.1\r\n${h}${a}\r\n`,
    () => `GET /api/jobs/${id}\u0000 HTTP/1.1\r\n${h}${a}\r\n`,
    () => `GET ${path} HTTP/1.1\r\n${h}${a}X-Bad\u0001Header: 1\r\n\r\n`,
    () => `GET ${path} HTTP/1.1\r\n${h}${a}NoColonHere\r\n\r\n`,
    () => `GET ${path} HTTP/1.1\r\n${h}${a}X-Big: ${'x'.repeat(rng.int(17_000, 80_000))}\r\n\r\n`,
    () => `GET ${path}?${'a=1&'.repeat(rng.int(5000, 20_000))} HTTP/1.1\r\n${h}${a}\r\n`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Content-Length: -5\r\n\r\n${body}`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Content-Length: abc\r\n\r\n${body}`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Content-Length: 5\r\nContent-Length: 6\r\n\r\n${body}`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Content-Length: ${LIMIT * 4}\r\n\r\n${body}`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Expect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Content-Length: ${body.length}\r\n\r\n${body}GET /api/stats HTTP/1.1\r\n${h}${a}\r\n`,
    () => `POST /api/jobs HTTP/1.1\r\nHost: attacker.example\r\n${a}Content-Length: ${body.length}\r\n\r\n${body}`,
    () => `POST /api/jobs HTTP/1.1\r\n${h}${a}Origin: https://attacker.example\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    () => `GET ${path} HTTP/1.1\r\n${h}Authorization: Bearer ${token}\r\nAuthorization: Bearer wrong\r\n\r\n`,
    () => `GET /api/jobs/%E0%A4%A HTTP/1.1\r\n${h}${a}\r\n`,
    () => `GET //api/jobs HTTP/1.1\r\n${h}${a}\r\n`,
    () => `GET http://127.0.0.1/api/stats HTTP/1.1\r\n${h}${a}\r\n`,
    () => `GET * HTTP/1.1\r\n${h}${a}\r\n`,
    () => `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${h}${a}\r\n`,
    () => `GET ${path} HTTP/1.1\r\n${h}${a}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    () => `GET ${path} HTTP/1.1\n${h.replace('\r', '')}${a.replace('\r', '')}\n`,
    () => `POST /api/queue/pause HTTP/1.1\r\n${h}${a}Content-Length: 10\r\n\r\n{}`,
  ]
  const raw = rng.pick(variants)()
  return { family: 'raw', method: 'RAW', path: '', headers: {}, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1') }
}

// ── Sending ──────────────────────────────────────────────────────────────

function send(port: number, req: FuzzRequest, agent: Agent): Promise<FuzzResponse> {
  if (req.raw) return sendRaw(port, req.raw)
  const big = (req.body?.length ?? 0) > MIB
  const timeoutMs = big ? 60_000 : 20_000
  return new Promise((resolve) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const done = (response: FuzzResponse) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(response)
    }
    let r: ReturnType<typeof request>
    try {
      r = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent: big ? false : agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => done({ statuses: [res.statusCode!], status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', (e) =>
          done({ statuses: [res.statusCode!], status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), error: e.message }),
        )
      })
    } catch (error) {
      // The client itself refuses (an invalid header value): nothing was sent.
      return done({ statuses: [], status: undefined, headers: {}, body: '', error: `client refused: ${(error as Error).message}` })
    }
    timer = setTimeout(() => {
      r.destroy()
      done({ statuses: [], status: undefined, headers: {}, body: '', hung: true, error: `no answer in ${timeoutMs} ms` })
    }, timeoutMs)
    r.on('error', (e) => done({ statuses: [], status: undefined, headers: {}, body: '', error: e.message }))
    if (req.body !== undefined) r.end(req.body)
    else r.end()
  })
}

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/** The responses in `data`, and whether the last one is complete (so there is no need to wait for more). */
export function parseResponses(data: Buffer): { responses: RawResponse[]; complete: boolean } {
  const responses: RawResponse[] = []
  let at = 0
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at, 'latin1')
    if (headEnd < 0) return { responses, complete: false }
    const lines = data.subarray(at, headEnd).toString('latin1').split('\r\n')
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1])
    const headers: Record<string, string> = {}
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    let next = headEnd + 4
    let body: Buffer = Buffer.alloc(0)
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = []
      for (;;) {
        const lineEnd = data.indexOf('\r\n', next, 'latin1')
        if (lineEnd < 0) return { responses: [...responses, { status, headers, body: Buffer.concat(parts) }], complete: false }
        const size = parseInt(data.subarray(next, lineEnd).toString('latin1'), 16)
        if (!Number.isFinite(size)) return { responses: [...responses, { status, headers, body: Buffer.concat(parts) }], complete: false }
        if (lineEnd + 2 + size + 2 > data.length) return { responses: [...responses, { status, headers, body: Buffer.concat(parts) }], complete: false }
        parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
        next = lineEnd + 2 + size + 2
        if (size === 0) break
      }
      body = Buffer.concat(parts)
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length'])
      body = data.subarray(next, next + length)
      if (next + length > data.length) return { responses: [...responses, { status, headers, body }], complete: false }
      next += length
    } else if (!(status < 200 || status === 204 || status === 304)) {
      // Until the connection closes.
      return { responses: [...responses, { status, headers, body: data.subarray(next) }], complete: false }
    }
    responses.push({ status, headers, body })
    at = next
  }
  return { responses, complete: responses.length > 0 }
}

/**
 * Writes the bytes and half-closes, then reads until the server closes, or a
 * complete answer has come and nothing more follows. A raw request may
 * legitimately get no answer (garbage the server just drops).
 */
function sendRaw(port: number, bytes: Buffer): Promise<FuzzResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let quiet: NodeJS.Timeout | undefined
    let finished = false
    const finish = (error?: string) => {
      if (finished) return
      finished = true
      clearTimeout(quiet)
      clearTimeout(cap)
      socket.destroy()
      const { responses } = parseResponses(Buffer.concat(chunks))
      // Interim answers (100 Continue) are not the answer.
      const final = responses.find((r) => r.status >= 200) ?? responses[0]
      resolve({
        statuses: responses.map((r) => r.status),
        status: final?.status,
        headers: final?.headers ?? {},
        body: final?.body.toString('utf8') ?? '',
        ...(error ? { error } : {}),
      })
    }
    const cap = setTimeout(() => finish('still open after 5 s'), 5000)
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      clearTimeout(quiet)
      if (parseResponses(Buffer.concat(chunks)).complete) quiet = setTimeout(() => finish(), 50)
    })
    socket.on('error', (e) => finish(e.message))
    socket.on('close', () => finish())
    socket.end(bytes)
  })
}

// ── State ────────────────────────────────────────────────────────────────

/** Everything a request could change: every job row, every log line, every setting. */
function snapshot(db: Database.Database): string {
  const hash = createHash('sha1')
  for (const row of db.prepare('SELECT * FROM jobs ORDER BY id').raw().iterate()) hash.update(JSON.stringify(row))
  hash.update('|logs|')
  for (const row of db.prepare('SELECT * FROM job_logs ORDER BY job_id, seq').raw().iterate()) hash.update(JSON.stringify(row))
  hash.update('|settings|')
  for (const row of db.prepare('SELECT * FROM settings ORDER BY key').raw().iterate()) hash.update(JSON.stringify(row))
  return hash.digest('hex')
}

function describeRequest(req: FuzzRequest): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s)
  if (req.raw) return `raw ${JSON.stringify(cut(req.raw.toString('latin1')))}`
  const auth = req.headers.authorization
  return `${req.method} ${cut(req.path)} [${req.family}] auth=${auth === undefined ? 'none' : JSON.stringify(cut(auth.replace(/[A-Za-z0-9_-]{32,}/, '<token>')))} ct=${JSON.stringify(req.headers['content-type'])} body=${req.body === undefined ? 'none' : JSON.stringify(cut(req.body.toString()))}`
}

// ── The run ──────────────────────────────────────────────────────────────

describe('fuzz torture', () => {
  it('thousands of bad requests: never a 5xx, always a typed error, and a refused request changes nothing', async () => {
    const began = Date.now()
    const seed = seedFromEnv()
    const rng = createRng(seed)
    const dataDir = dataFolderWithTortureKinds('fuzz')
    const server: RunningServer = await startServer(dataDir, ['--concurrency', '1'])
    const { port, token } = server.info
    const host = `127.0.0.1:${port}`
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const figures: Record<string, unknown> = { seed }

    // A paused queue with a few jobs in each waiting state, so ids exist and nothing changes by itself.
    expect((await server.call('POST', '/api/queue/pause')).status).toBe(200)
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      const res = await server.call('POST', '/api/jobs', { kind: 'shell', name: `seed ${i}`, params: { command: 'true' } })
      expect(res.status, res.text).toBe(201)
      ids.push(res.body.id)
    }
    for (const id of ids.slice(4)) expect((await server.call('POST', `/api/jobs/${id}/cancel`)).status).toBe(200)

    const db = new Database(join(dataDir, 'offload.db'), { readonly: true, fileMustExist: true })
    const version = () => db.pragma('data_version', { simple: true }) as number
    let state = snapshot(db)
    let seen = version()

    const counts = { requests: 0, '5xx': 0, changed: 0, badShape: 0, badShapeRaw: 0, hung: 0, accepted: 0, noAnswer: 0, clientRefused: 0 }
    const byStatus: Record<string, number> = {}
    const byFamily: Record<string, number> = {}
    const examples: Record<string, string[]> = { '5xx': [], changed: [], badShape: [], hung: [], accepted: [] }
    const note = (what: keyof typeof examples, text: string) => {
      if (examples[what]!.length < (what === 'accepted' && process.env.TORTURE_VERBOSE ? 60 : 8)) examples[what]!.push(text)
    }
    const budgetMs = LONG ? longBudgetSeconds('fuzz') * 1000 : Infinity
    const total = LONG ? Infinity : SHORT_REQUESTS

    try {
      for (let i = 0; i < total && Date.now() - began < budgetMs; i++) {
        const req = makeRequest(rng, ids, token, host)
        const res = await send(port, req, agent)
        counts.requests++
        byFamily[req.family] = (byFamily[req.family] ?? 0) + 1
        const key = res.status === undefined ? (res.hung ? 'hung' : 'none') : String(res.status)
        byStatus[key] = (byStatus[key] ?? 0) + 1
        const what = `#${i} ${describeRequest(req)} → ${res.statuses.join(',') || 'no status'} ${JSON.stringify(res.body.slice(0, 300))}${res.error ? ` (${res.error})` : ''}`

        if (res.statuses.some((s) => s >= 500)) {
          counts['5xx']++
          note('5xx', what)
        }
        if (res.hung) {
          counts.hung++
          note('hung', what)
        }
        if (res.error?.startsWith('client refused')) counts.clientRefused++
        else if (res.status === undefined) counts.noAnswer++
        // Every error answer is a typed JSON error whose code maps to the status sent (HEAD answers carry no body).
        if (res.status !== undefined && res.status >= 400 && req.method !== 'HEAD') {
          let problem: string | undefined
          try {
            const parsed = ApiErrorBodySchema.safeParse(JSON.parse(res.body))
            if (!parsed.success) problem = `not the error shape: ${parsed.error.issues[0]?.message}`
            else if (HTTP_STATUS[parsed.data.error.code] !== res.status)
              problem = `code ${parsed.data.error.code} maps to ${HTTP_STATUS[parsed.data.error.code]}, sent ${res.status}`
          } catch {
            problem = 'not JSON'
          }
          if (problem) {
            counts.badShape++
            if (req.raw) counts.badShapeRaw++
            note('badShape', `${what}: ${problem}`)
          }
        }

        const ok = res.statuses.some((s) => s >= 200 && s < 300)
        if (ok) {
          counts.accepted++
          note('accepted', what)
          // A resumed queue would start the seed jobs and change state by itself: pause again, let it settle.
          if (/resume/.test(req.path) || (req.raw && /resume/.test(req.raw.toString('latin1')))) {
            await server.call('POST', '/api/queue/pause')
            await waitUntil(async () => (await server.call('GET', '/api/stats')).body?.counts?.running === 0, 'the queue to be still', 20_000)
          }
          await sleep(20)
          state = snapshot(db)
          seen = version()
        } else if (version() !== seen) {
          // Something was committed: refused requests may only write what changes nothing.
          seen = version()
          const now = snapshot(db)
          if (now !== state) {
            counts.changed++
            note('changed', what)
            state = now
          }
        }

        if (server.child.exitCode !== null || server.child.signalCode !== null) {
          throw new Error(`The server died (${server.child.exitCode ?? server.child.signalCode}) after request ${what}\n${server.output().slice(-3000)}`)
        }
        if (i % 250 === 249) {
          const stats = await server.call('GET', '/api/stats')
          expect(stats.status, `GET /api/stats after ${i + 1} requests: ${stats.text}`).toBe(200)
        }
      }
      const final = await server.call('GET', '/api/stats')
      expect(final.status, 'the server still answers at the end').toBe(200)
    } finally {
      db.close()
      agent.destroy()
      Object.assign(figures, counts, { byStatus, byFamily, seconds: Math.round((Date.now() - began) / 1000) })
      printFigures('fuzz', figures)
      if (process.env.TORTURE_VERBOSE) console.log(`accepted, for example:\n${examples.accepted!.join('\n')}`)
    }
    const list = (what: string) => `(seed ${seed})\n${examples[what]!.join('\n')}`
    expect.soft(counts['5xx'], `5xx answers ${list('5xx')}`).toBe(0)
    expect.soft(counts.changed, `refused requests that changed the database ${list('changed')}`).toBe(0)
    expect.soft(counts.badShape, `error answers without the {"error":{"code","message"}} shape ${list('badShape')}`).toBe(0)
    expect.soft(counts.hung, `complete requests never answered ${list('hung')}`).toBe(0)
    expect(counts.requests).toBeGreaterThan(0)
  })
})
