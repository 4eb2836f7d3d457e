import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI } from '../cli-helpers'
import { dataDirWithKinds, tempDir } from '../helpers'
import { startRedis, type RedisProcess } from '../redis-server'
import { PanelHarness, until } from './harness'

describe('the panel against offload serve --redis, with a worker machine', () => {
  const h = new PanelHarness()
  let redis: RedisProcess
  let worker: ChildProcess
  beforeAll(async () => {
    redis = await startRedis()
    await h.open({ kinds: ['sleep.mjs'], serveArgs: ['--redis', redis.url] })
    const args = [CLI, 'worker', '--redis', redis.url, '--data', dataDirWithKinds(['sleep.mjs']), '--concurrency', '2', '--name', 'render-box']
    worker = spawn(process.execPath, args, { stdio: 'ignore', env: { PATH: process.env.PATH ?? '', HOME: tempDir() } })
  }, 60_000)
  afterAll(async () => {
    worker?.kill('SIGKILL')
    await h.close()
    await redis?.stop()
  })

  it('lists the connected machines with their load and shows which one runs each job', async () => {
    const { page } = h
    await page.getByText('1 machine').click({ timeout: 15_000 })
    const list = page.getByRole('list', { name: 'Connected workers' })
    await list.getByText('render-box').waitFor()
    await list.getByText('0/2 busy').waitFor()
    const job = await h.api<{ id: string }>('POST', '/api/jobs', { kind: 'sleep', name: 'long render', params: { ms: 20_000 } })
    await h.row('long render').getByText('on render-box').waitFor()
    await list.getByText('1/2 busy').waitFor()
    await h.row('long render').click()
    await page.getByTestId('machine').getByText('running on render-box').waitFor()
    // BullMQ keeps no record of each try: the pane does not offer one.
    expect(await page.getByRole('heading', { name: 'Tries' }).count()).toBe(0)
    await h.api('POST', `/api/jobs/${job.id}/cancel`)
    await until(
      () => h.api<{ status: string }>('GET', `/api/jobs/${job.id}`),
      (j) => j.status === 'cancelled',
      'the job to be cancelled',
    )
    await h.shot('redis-machines')
  }, 60_000)

  it('offers only what the backend supports: no schedules, watches, search, stats report or local settings on Redis', async () => {
    const { page } = h
    // Known once the backend has said what it is (the machines list appears with it).
    await page.getByTestId('machines').waitFor()
    for (const name of ['Schedules', 'Watches', 'Search', 'Stats', 'Settings']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0)
    expect(await page.getByTestId('concurrency').count()).toBe(0)
    for (const tab of ['Held', 'Waiting']) expect(await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).count()).toBe(0)
    await page.getByRole('tab', { name: /^Running/ }).waitFor()
    await page.getByRole('button', { name: '+ New job' }).click()
    await page.getByLabel('Lane (optional)').waitFor()
    expect(await page.getByLabel('Slots').count()).toBe(0)
  })
})
