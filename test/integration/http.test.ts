import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { api, METHOD_NAMES } from '../../src/shared/api'
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../src/shared/content-security-policy'
import { createHttpServer } from '../../src/main/headless/http-server'
import { BUILTIN_KINDS } from '../../src/main/kinds/builtin'
import { ROOT, startHost, tempDir, waitFor } from '../helpers'

type ErrorBody = { error: { code: string; message: string } }

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz'

async function startApi(options: { rendererDir?: string } = {}) {
  const host = await startHost({ kinds: ['noop.mjs', 'sleep.mjs'] })
  const http = createHttpServer({
    handlers: host.handlers,
    subscribe: (l) => host.engine.subscribe(l),
    token: TOKEN,
    ...options,
  })
  const port = await http.listen(0)
  const base = `http://127.0.0.1:${port}`
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers }
  }
  return { host, http, base, call, close: () => http.close() }
}

describe('HTTP API', () => {
  it('creates, lists, reads and pages jobs', async () => {
    const { call, close } = await startApi()
    const created = await call('POST', '/api/jobs', { kind: 'sleep', params: { ms: 1 }, name: 'first', priority: 'high', timeoutMs: 5000, maxAttempts: 2 })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ kind: 'sleep', name: 'first', priority: 'high', status: 'queued', maxAttempts: 2, timeoutMs: 5000 })
    expect(created.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const batch = await call('POST', '/api/jobs/batch', { jobs: [{ kind: 'noop' }, { kind: 'noop', priority: 'low' }] })
    expect(batch.status).toBe(201)
    expect(batch.body.ids).toHaveLength(2)
    const page1 = await call('GET', '/api/jobs?limit=2')
    expect(page1.body.jobs.map((j: { id: string }) => j.id)).toEqual([...batch.body.ids].reverse())
    const page2 = await call('GET', `/api/jobs?limit=2&cursor=${page1.body.nextCursor}`)
    expect(page2.body).toMatchObject({ jobs: [{ id: created.body.id }], nextCursor: null })
    const one = await call('GET', `/api/jobs/${created.body.id}`)
    expect(one.body.name).toBe('first')
    const byKind = await call('GET', '/api/jobs?kind=sleep')
    expect(byKind.body.jobs).toHaveLength(1)
    const logs = await call('GET', `/api/jobs/${created.body.id}/logs`)
    expect(logs).toMatchObject({ status: 200, body: { lines: [] } })
    await close()
  })

  it('pauses, resumes, changes settings and reports stats and kinds', async () => {
    const { call, close } = await startApi()
    expect((await call('POST', '/api/queue/pause')).body).toEqual({ ok: true })
    expect((await call('GET', '/api/stats')).body).toMatchObject({ paused: true, counts: { queued: 0, running: 0 }, workers: { busy: 0 } })
    expect((await call('POST', '/api/queue/resume')).body).toEqual({ ok: true })
    expect((await call('PUT', '/api/settings', { concurrency: 3, notifyOnSuccess: false })).body).toMatchObject({ concurrency: 3, notifyOnSuccess: false })
    expect((await call('GET', '/api/settings')).body).toEqual({
      concurrency: 3,
      batteryConcurrency: null,
      closeToTray: true,
      notifyOnSuccess: false,
      notifyOnFailure: true,
      localApi: true,
      startAtLogin: false,
      keepFinishedDays: 30,
      keepFailedDays: 90,
      keepFinishedMax: null,
      activeHours: null,
      kindActiveHours: {},
      quietRunning: 'continue',
      hoursTimeZone: null,
      minFreeMemoryMb: null,
      adaptiveConcurrency: true,
      ioOvercommit: 2,
      workerMaxJobs: null,
      workerMaxRssMb: 1024,
      redis: null,
    })
    expect((await call('GET', '/api/stats')).body).toMatchObject({ paused: false, workers: { max: 3 }, throttle: { limit: 3, reason: null } })
    const kinds = await call('GET', '/api/kinds')
    expect(kinds.body.kinds.map((k: { name: string }) => k.name).sort()).toEqual([...BUILTIN_KINDS.map((k) => k.name), 'noop', 'sleep'].sort())
    expect(kinds.body.errors).toEqual([])
    await close()
  })

  it('cancels and retries, and says 409 when the job is in the wrong state', async () => {
    const { call, close, host } = await startApi()
    await call('POST', '/api/queue/pause')
    const { body: job } = await call('POST', '/api/jobs', { kind: 'noop' })
    expect((await call('POST', `/api/jobs/${job.id}/retry`)).status).toBe(409)
    const cancelled = await call('POST', `/api/jobs/${job.id}/cancel`)
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } })
    const again = await call('POST', `/api/jobs/${job.id}/cancel`)
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'wrong_state' } } })
    const retried = await call('POST', `/api/jobs/${job.id}/retry`)
    expect(retried).toMatchObject({ status: 200, body: { status: 'queued', attempts: 0 } })
    expect(host.engine.stats().counts).toMatchObject({ queued: 1, cancelled: 0 })
    await close()
  })

  it('rejects bad input on every route with a typed error and changes nothing', async () => {
    const { call, close, host, base } = await startApi()
    await call('POST', '/api/queue/pause')
    const { body: job } = await call('POST', '/api/jobs', { kind: 'noop' })
    const before = JSON.stringify(host.engine.stats())
    const settingsBefore = host.engine.settings()
    const missing = '01J00000000000000000000000'
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/jobs', '{not json', 400, 'invalid_json'],
      ['POST', '/api/jobs', '[1,2]', 400, 'invalid_input'],
      ['POST', '/api/jobs', '"text"', 400, 'invalid_input'],
      ['POST', '/api/jobs', {}, 400, 'invalid_input'],
      ['POST', '/api/jobs', { kind: 42 }, 400, 'invalid_input'],
      ['POST', '/api/jobs', { kind: 'resize' }, 400, 'unknown_kind'],
      ['POST', '/api/jobs', { kind: 'sleep', params: { ms: 'long' } }, 400, 'invalid_params'],
      ['POST', '/api/jobs', { kind: 'sleep', params: [] }, 400, 'invalid_input'],
      ['POST', '/api/jobs', { kind: 'noop', priority: 'asap' }, 400, 'invalid_input'],
      ['POST', '/api/jobs', { kind: 'noop', maxAttempts: 0 }, 400, 'invalid_input'],
      ['POST', '/api/jobs', { kind: 'noop', timeoutMs: -5 }, 400, 'invalid_input'],
      ['POST', '/api/jobs', { kind: 'noop', surprise: true }, 400, 'invalid_input'],
      ['POST', '/api/jobs/batch', { jobs: [] }, 400, 'invalid_input'],
      ['POST', '/api/jobs/batch', { jobs: [{ kind: 'noop' }, { kind: 'nope' }] }, 400, 'unknown_kind'],
      ['POST', '/api/jobs/batch', { jobs: Array.from({ length: 10_001 }, () => ({ kind: 'noop' })) }, 400, 'invalid_input'],
      ['POST', '/api/jobs/batch', { kind: 'noop' }, 400, 'invalid_input'],
      ['GET', '/api/jobs?status=done', undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs?limit=0', undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs?limit=lots', undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs?cursor=nope', undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs?sort=asc', undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs/not-an-id', undefined, 400, 'invalid_input'],
      ['GET', `/api/jobs/${missing}`, undefined, 404, 'not_found'],
      ['GET', `/api/jobs/${missing}/logs`, undefined, 404, 'not_found'],
      ['POST', `/api/jobs/${missing}/cancel`, undefined, 404, 'not_found'],
      ['POST', `/api/jobs/${missing}/retry`, undefined, 404, 'not_found'],
      ['POST', `/api/jobs/${job.id}/cancel`, { reason: 'x' }, 400, 'invalid_input'],
      ['POST', '/api/jobs/%E0%A4%A/cancel', undefined, 400, 'invalid_input'],
      ['GET', '/api/stats?x=1', undefined, 400, 'invalid_input'],
      ['POST', '/api/queue/pause', { now: true }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { concurrency: 0 }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { concurrency: 'four' }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { concurrency: 1000 }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { theme: 'dark' }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { activeHours: { rule: 'only', windows: [{ from: '25:00', to: '07:00' }] } }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { activeHours: { rule: 'only', windows: [] } }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { kindActiveHours: { noop: { rule: 'whenever', windows: [{ from: '01:00', to: '02:00' }] } } }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { hoursTimeZone: 'Mars/Olympus' }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { quietRunning: 'freeze' }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { ioOvercommit: 0 }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { ioOvercommit: 9 }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { minFreeMemoryMb: -5 }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { minFreeMemoryMb: 1.5 }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { adaptiveConcurrency: 'yes' }, 400, 'invalid_input'],
      ['GET', '/api/kinds?all=1', undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs?sort=sideways', undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs?offset=-1', undefined, 400, 'invalid_input'],
      ['GET', `/api/jobs?offset=5&cursor=${missing}`, undefined, 400, 'invalid_input'],
      ['GET', '/api/jobs?count=maybe', undefined, 400, 'invalid_input'],
      ['POST', '/api/jobs/cancel', { ids: [] }, 400, 'invalid_input'],
      ['POST', '/api/jobs/cancel', { ids: ['nope'] }, 400, 'invalid_input'],
      ['POST', '/api/jobs/retry', { ids: Array.from({ length: 1001 }, () => missing) }, 400, 'invalid_input'],
      ['POST', '/api/jobs/remove', {}, 400, 'invalid_input'],
      ['POST', '/api/jobs/clear', {}, 400, 'invalid_input'],
      ['POST', '/api/jobs/clear', { status: ['queued'] }, 400, 'invalid_input'],
      ['POST', '/api/jobs/priority', { ids: [job.id], priority: 'asap' }, 400, 'invalid_input'],
      ['POST', '/api/jobs/priority', { ids: [job.id] }, 400, 'invalid_input'],
      ['GET', '/api/nothing', undefined, 404, 'not_found'],
      ['DELETE', '/api/jobs', undefined, 405, 'method_not_allowed'],
      ['DELETE', '/api/settings', undefined, 405, 'method_not_allowed'],
      ['PUT', '/api/settings', { closeToTray: 'yes' }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { localApi: 'off', startAtLogin: true }, 400, 'invalid_input'],
      ['PUT', '/api/settings', { batteryConcurrency: 0 }, 400, 'invalid_input'],
      ['POST', '/api/events', undefined, 405, 'method_not_allowed'],
    ]
    for (const [method, path, body, status, code] of cases) {
      const res = await call(method, path, body)
      expect([method, path, res.status, res.body?.error?.code]).toEqual([method, path, status, code])
      expect(typeof res.body.error.message).toBe('string')
    }
    expect(JSON.stringify(host.engine.stats())).toBe(before)
    expect(host.engine.settings()).toEqual(settingsBefore)
    expect(host.api.getJob({ id: job.id }).status).toBe('queued')
    const unknown = await call('GET', '/api/jobs?status=done')
    expect(unknown.body.error.message).toContain('status')
    const tooBig = await fetch(`${base}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ kind: 'noop', params: { blob: 'x'.repeat(17 * 1024 * 1024) } }),
    })
    expect(tooBig.status).toBe(413)
    expect(((await tooBig.json()) as ErrorBody).error.code).toBe('payload_too_large')
    const params = await call('POST', '/api/jobs', { kind: 'noop', params: { blob: 'x'.repeat(300_000) } })
    expect(params).toMatchObject({ status: 400, body: { error: { code: 'invalid_params' } } })
    expect(JSON.stringify(host.engine.stats())).toBe(before)
    await close()
  })

  it('acts on many jobs at once, reporting each one it could not change', async () => {
    const { call, close, host } = await startApi()
    await call('POST', '/api/queue/pause')
    const { body } = await call('POST', '/api/jobs/batch', {
      jobs: [
        { kind: 'noop', name: 'a' },
        { kind: 'noop', name: 'b' },
        { kind: 'noop', name: 'c' },
      ],
    })
    const [a, b, c] = body.ids as string[]
    const missing = '01J00000000000000000000000'
    expect((await call('POST', '/api/jobs/priority', { ids: [a, missing], priority: 'urgent' })).body).toEqual({
      changed: [a],
      changedCount: 1,
      failed: [{ id: missing, name: null, code: 'not_found', message: `No job with id ${missing}` }],
      failedCount: 1,
    })
    expect((await call('POST', '/api/jobs/cancel', { ids: [a, b, b] })).body).toEqual({ changed: [a, b], changedCount: 2, failed: [], failedCount: 0 })
    const retried = (await call('POST', '/api/jobs/retry', { ids: [a, c] })).body
    expect(retried).toMatchObject({ changed: [a], changedCount: 1, failedCount: 1 })
    expect(retried.failed).toEqual([expect.objectContaining({ id: c, name: 'c', code: 'wrong_state' })])
    expect((await call('POST', '/api/jobs/remove', { ids: [b, c] })).body).toEqual({ changed: [b, c], changedCount: 2, failed: [], failedCount: 0 })
    const page = (await call('GET', '/api/jobs?count=true&sort=oldest&q=A')).body
    expect(page).toMatchObject({ total: 1, jobs: [{ id: a, priority: 'urgent', status: 'queued' }] })
    expect(host.engine.stats().counts).toMatchObject({ queued: 1, cancelled: 0 })
    await close()
  })

  it('needs the bearer token on every API route', async () => {
    const { base, close } = await startApi()
    for (const method of METHOD_NAMES) {
      const { method: verb, path } = api[method].http
      const url = base + path.replace(':id', '01J00000000000000000000000')
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Record<string, string>[]) {
        const res = await fetch(url, { method: verb, headers })
        expect([method, res.status]).toEqual([method, 401])
        expect(((await res.json()) as ErrorBody).error.code).toBe('unauthorized')
      }
    }
    expect((await fetch(`${base}/api/jobs?token=${TOKEN}`)).status).toBe(401)
    expect((await fetch(`${base}/api/events`)).status).toBe(401)
    await close()
  })

  it('streams job changes and stats as Server-Sent Events', async () => {
    const { base, call, close } = await startApi()
    const controller = new AbortController()
    const res = await fetch(`${base}/api/events?token=${TOKEN}`, { signal: controller.signal })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const reader = res.body!.getReader()
    let text = ''
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
        if (done) return
        text += new TextDecoder().decode(value)
      }
    })()
    const { body: job } = await call('POST', '/api/jobs', { kind: 'noop' })
    await waitFor(() => text.includes('"status":"succeeded"'), 'a succeeded event')
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block) => ({ type: block.split('\n')[0]!.slice(7), data: JSON.parse(block.split('\n')[1]!.slice(6)) }))
    const jobEvents = events.filter((e) => e.type === 'jobs').flatMap((e) => e.data.jobs)
    expect(
      jobEvents
        .filter((j: { id: string }) => j.id === job.id)
        .map((j: { status: string }) => j.status)
        .at(-1),
    ).toBe('succeeded')
    expect(events.some((e) => e.type === 'stats' && e.data.stats.counts)).toBe(true)
    controller.abort()
    await pump
    await close()
  })

  it('the built panel carries the same policy in its <meta> as the server and the desktop window send', () => {
    const html = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8')
    expect(html).toContain(`content="${META_CONTENT_SECURITY_POLICY}"`)
    expect(META_CONTENT_SECURITY_POLICY).toBe(CONTENT_SECURITY_POLICY.replace(" frame-ancestors 'none';", ''))
  })

  it('serves the panel without the token, never a file outside it', async () => {
    const rendererDir = tempDir()
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Offload</title>')
    writeFileSync(join(rendererDir, 'app.js'), 'console.log(1)')
    const { base, close } = await startApi({ rendererDir })
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(await page.text()).toContain('<title>Offload</title>')
    const js = await fetch(`${base}/app.js`)
    expect(js.headers.get('content-type')).toContain('text/javascript')
    const deepLink = await fetch(`${base}/jobs/123`)
    expect(await deepLink.text()).toContain('<title>Offload</title>')
    for (const path of ['/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%252e%252e/etc/passwd']) {
      const res = await fetch(base + path)
      expect([path, res.status]).toEqual([path, expect.any(Number)])
      expect(await res.text()).not.toContain('root:')
    }
    await close()
  })
})
