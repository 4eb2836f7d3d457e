import { afterEach, describe, expect, it, vi } from 'vitest'
import { asStorageError, StorageError } from '../../src/main/engine/storage-error'
import { StorageMonitor } from '../../src/main/engine/storage-monitor'

const sqlite = (code: string, message = 'boom') => Object.assign(new Error(message), { code })

describe('storage errors', () => {
  it('tell a failure of the database itself from anything else', () => {
    expect(asStorageError(sqlite('SQLITE_FULL'))).toMatchObject({ code: 'storage_full', status: 'full', sqliteCode: 'SQLITE_FULL' })
    expect(asStorageError(sqlite('SQLITE_READONLY_DBMOVED'))?.code).toBe('storage_readonly')
    expect(asStorageError(sqlite('SQLITE_CORRUPT_INDEX'))?.code).toBe('storage_corrupt')
    expect(asStorageError(sqlite('SQLITE_NOTADB'))?.code).toBe('storage_corrupt')
    expect(asStorageError(sqlite('SQLITE_IOERR_WRITE'))?.code).toBe('storage_unavailable')
    expect(asStorageError(sqlite('SQLITE_BUSY', 'database is locked'))?.message).toMatch(/keeps trying\. \(database is locked\)$/)
    expect(asStorageError(sqlite('SQLITE_CONSTRAINT_PRIMARYKEY'))).toBeUndefined()
    expect(asStorageError(new TypeError('a bug'))).toBeUndefined()
  })
})

describe('the storage monitor', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  function monitor() {
    vi.useFakeTimers()
    const changes: string[] = []
    let retries = 0
    const m = new StorageMonitor(() => 1_000, 100, { changed: (h) => changes.push(h.status), retry: () => retries++ })
    return { m, changes, retries: () => retries }
  }

  it('asks for retries while in trouble and stops once a write succeeds', () => {
    const { m, changes, retries } = monitor()
    m.failed(asStorageError(sqlite('SQLITE_FULL'))!)
    m.failed(asStorageError(sqlite('SQLITE_FULL'))!)
    expect(m.health()).toMatchObject({ status: 'full', since: new Date(1_000).toISOString() })
    vi.advanceTimersByTime(350)
    expect(retries()).toBe(3)
    m.succeeded()
    vi.advanceTimersByTime(1000)
    expect(retries()).toBe(3)
    expect(changes).toEqual(['full', 'ok'])
    expect(m.ok).toBe(true)
  })

  it('never retries, nor clears, a damaged database', () => {
    const { m, changes, retries } = monitor()
    m.failed(asStorageError(sqlite('SQLITE_FULL'))!)
    m.failed(new StorageError('storage_corrupt', 'damaged', 'SQLITE_CORRUPT'))
    vi.advanceTimersByTime(1000)
    m.succeeded()
    m.failed(asStorageError(sqlite('SQLITE_FULL'))!)
    expect([m.ok, m.health().status, retries(), changes]).toEqual([false, 'corrupt', 0, ['full', 'corrupt']])
  })
})
