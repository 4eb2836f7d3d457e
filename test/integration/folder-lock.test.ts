import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FolderInUseError } from '../../src/main/engine/folder-lock'
import { startHost, tempDir } from '../helpers'

describe('one engine per data folder', () => {
  it('refuses a second host on a folder in use, names the holder, and lets go on close', async () => {
    const dataDir = tempDir()
    const first = await startHost({ dataDir })
    const lock = join(dataDir, 'offload.lock')
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid))
    const second = startHost({ dataDir })
    await expect(second).rejects.toBeInstanceOf(FolderInUseError)
    await expect(second).rejects.toThrow(`Offload is already using the data folder ${dataDir} (pid ${process.pid})`)
    // The refusal touched nothing of the first one's.
    expect(first.api.getStats({}).counts.queued).toBe(0)
    expect(readFileSync(lock, 'utf8').trim()).toBe(String(process.pid))
    await first.close(0)
    expect(existsSync(lock)).toBe(false)
    const again = await startHost({ dataDir })
    await again.close(0)
  })

  it('takes over a lock left by a process that died', async () => {
    const dataDir = tempDir()
    writeFileSync(join(dataDir, 'offload.lock'), `${2 ** 22 + 17}\n`)
    const host = await startHost({ dataDir })
    expect(readFileSync(join(dataDir, 'offload.lock'), 'utf8').trim()).toBe(String(process.pid))
    await host.close(0)
  })
})
