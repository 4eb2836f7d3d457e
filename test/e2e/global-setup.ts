import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** The panel is served from out/renderer: build it once before the browser tests. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..', '..')
  // Vitest sets NODE_ENV=test, which would give the bundle React's development build; build what users get.
  execFileSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'ignore',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (!existsSync(join(root, 'out', 'renderer', 'index.html'))) throw new Error('The renderer did not build')
}
