import { describe, expect, it } from 'vitest'
import { Inbox, type Attempt, type RunMessage } from '../../src/main/worker/inbox'

const message = (id: string): RunMessage => ({ type: 'run', job: { id, attempt: 1, kind: 'k', params: {} } })
const turn = () => new Promise((resolve) => setImmediate(resolve))

/** Attempts that end when the test says so, recording what ran at the same time. */
function harness() {
  const running = new Set<string>()
  let most = 0
  const started: string[] = []
  const finish = new Map<string, () => void>()
  const removed: string[] = []
  const inbox = new Inbox<Attempt>(
    (m) => ({
      id: m.job.id,
      abort: () => finish.get(m.job.id)?.(),
      run: () => {
        started.push(m.job.id)
        running.add(m.job.id)
        most = Math.max(most, running.size)
        return new Promise<void>((resolve) =>
          finish.set(m.job.id, () => {
            running.delete(m.job.id)
            resolve()
          }),
        )
      },
    }),
    (id, why) => removed.push(`${id} ${why}`),
  )
  return { inbox, started, finish: (id: string) => finish.get(id)!(), removed, most: () => most }
}

describe('the worker’s inbox', () => {
  it('runs one job at a time, in order, even when a job arrives just as the last one ends', async () => {
    const h = harness()
    h.inbox.push(message('a'))
    h.finish('a')
    await Promise.resolve()
    // a has ended and the next turn is pending: b arrives and starts at once, c right after.
    h.inbox.push(message('b'))
    h.inbox.push(message('c'))
    await turn()
    await turn()
    expect([h.started, h.most()]).toEqual([['a', 'b'], 1])
    h.finish('b')
    await turn()
    await turn()
    expect(h.started).toEqual(['a', 'b', 'c'])
    expect(h.most()).toBe(1)
  })

  it('gives back a waiting job when recalled, and lets one already begun go on', async () => {
    const h = harness()
    h.inbox.push(message('a'))
    h.inbox.push(message('b'))
    h.inbox.recall('a')
    h.inbox.recall('b')
    expect(h.removed).toEqual(['b recalled'])
    h.finish('a')
    await turn()
    await turn()
    expect(h.started).toEqual(['a'])
  })

  it('aborts the running job, and takes a waiting one out unrun', async () => {
    const h = harness()
    h.inbox.push(message('a'))
    h.inbox.push(message('b'))
    h.inbox.abort('b')
    h.inbox.abort('a')
    await turn()
    await turn()
    expect([h.started, h.removed, h.inbox.running]).toEqual([['a'], ['b aborted'], undefined])
  })
})
