import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exited, ROOT, tempDir } from '../../helpers'

const SCRIPT = join(ROOT, 'scripts', 'prepare-electron.mjs')
// Where Electron's installer notes the binary it unpacked; with it there, nothing is downloaded.
const installed = existsSync(join(ROOT, 'node_modules', 'electron', 'path.txt'))

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('npm start without Electron', () => {
  it.skipIf(installed)('a download that fails says what failed and the ways out, in a few lines, and exits 1', async () => {
    const mirror = `http://127.0.0.1:${await closedPort()}/`
    const env: Record<string, string | undefined> = { ...process.env, ELECTRON_MIRROR: mirror, electron_config_cache: tempDir() }
    for (const name of ['ELECTRON_OVERRIDE_DIST_PATH', 'ELECTRON_GET_USE_PROXY', 'npm_config_electron_mirror']) delete env[name]
    const child = spawn(process.execPath, [SCRIPT], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    expect(await exited(child)).toBe(1)
    const lines = stderr.trim().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^offload: could not download Electron [\\d.]+, which the desktop app runs in, from ${mirror}`))
    expect(stderr).toContain('ELECTRON_MIRROR=')
    expect(stderr).toContain('ELECTRON_GET_USE_PROXY=1 HTTPS_PROXY=')
    expect(stderr).toContain('npm run serve')
    expect(lines.length).toBeLessThanOrEqual(8)
    expect(stderr).not.toMatch(/^\s+at /m)
  })
})
