import { describe, expect, it } from 'vitest'
import { fillIndex, SAMPLE_DOCUMENTS } from '../documents-index'
import { createHttpServer } from '../../src/main/headless/http-server'
import { httpApi, startHost } from '../helpers'

const TOKEN = 'search-token-0123456789abcdefghijklmnopqrstuvwxyz'

const get = (q: Record<string, string>) => `/api/search?${new URLSearchParams(q).toString()}`

describe('GET /api/search', () => {
  it('answers ranked hits with snippets, kept to a folder when asked', async () => {
    const host = await startHost({ kinds: [] })
    fillIndex(host.dataDir, SAMPLE_DOCUMENTS)
    const call = await httpApi(host)
    const all = await call('GET', get({ q: 'lighthouse' }))
    expect(all.status).toBe(200)
    expect(all.body.indexed).toBe(4)
    expect(all.body.hits.map((h: { path: string }) => h.path).sort()).toEqual([
      '/docs/letters/to-the-harbour.docx',
      '/docs/reports/annual-budget.md',
      '/docs/reports/minutes.txt',
    ])
    expect(all.body.hits[0].snippet).toContainEqual({ text: 'lighthouse', match: true })
    const letters = await call('GET', get({ q: 'lighthouse', folder: '/docs/letters', limit: '5' }))
    expect(letters.body).toMatchObject({ indexed: 1, hits: [{ path: '/docs/letters/to-the-harbour.docx', title: 'Letter to the harbour master' }] })
    const one = await call('GET', get({ q: 'lighthouse', limit: '1' }))
    expect(one.body.hits).toHaveLength(1)
  })

  it('with no index yet answers nothing indexed, not an error', async () => {
    const host = await startHost({ kinds: [] })
    const call = await httpApi(host)
    expect(await call('GET', get({ q: 'anything' }))).toEqual({ status: 200, body: { hits: [], indexed: 0, tookMs: 0 } })
  })

  it('refuses bad input with a typed 400', async () => {
    const host = await startHost({ kinds: [] })
    fillIndex(host.dataDir, SAMPLE_DOCUMENTS)
    const call = await httpApi(host)
    const refused = async (q: Record<string, string>, path: string) => {
      const { status, body } = await call('GET', get(q))
      expect(status).toBe(400)
      expect(body.error.code).toBe('invalid_input')
      expect(body.error.detail.map((d: { path: string }) => d.path)).toContain(path)
    }
    await refused({ q: '   ' }, 'q')
    await refused({ q: 'x'.repeat(513) }, 'q')
    await refused({ q: 'lamp', limit: '0' }, 'limit')
    await refused({ q: 'lamp', limit: '201' }, 'limit')
    await refused({ q: 'lamp', limit: 'many' }, 'limit')
    await refused({ q: 'lamp', folder: 'docs/letters' }, 'folder')
    await refused({ q: 'lamp', sort: 'date' }, '')
    expect((await call('GET', '/api/search')).status).toBe(400)
  })

  it('needs the token like every other route', async () => {
    const host = await startHost({ kinds: [] })
    fillIndex(host.dataDir, SAMPLE_DOCUMENTS)
    const http = createHttpServer({ handlers: host.handlers, subscribe: (l) => host.engine.subscribe(l), token: TOKEN })
    try {
      const url = `http://127.0.0.1:${await http.listen(0)}${get({ q: 'lighthouse' })}`
      const without = await fetch(url)
      expect(without.status).toBe(401)
      expect(JSON.stringify(await without.json())).not.toContain('lighthouse')
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789abcdefghijklmnopqrstu' } })).status).toBe(401)
      expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    } finally {
      await http.close()
    }
  })
})
