import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'
import { resolve } from 'node:path'
import type { Plugin } from 'vite'
import { META_CONTENT_SECURITY_POLICY } from './src/shared/content-security-policy'

/** The page's <meta> policy is the one the server and the Electron session send (src/shared/content-security-policy.ts). */
const contentSecurityPolicy = (): Plugin => ({
  name: 'offload-content-security-policy',
  transformIndexHtml: (html) => html.replace('%OFFLOAD_CSP%', META_CONTENT_SECURITY_POLICY),
})

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          // Electron main process.
          index: resolve('src/main/electron/main.ts'),
          // Worker process entry (utilityProcess in the app, child_process under Node).
          worker: resolve('src/main/worker/index.ts'),
          // The worker's watchdog thread, which ends it when the host dies, however busy it is.
          watchdog: resolve('src/main/worker/host-watchdog-thread.ts'),
          // Headless server: the engine under plain Node, with the panel over HTTP.
          headless: resolve('src/main/headless/serve.ts'),
          // `offload worker --redis`: a machine running jobs from a shared BullMQ queue.
          work: resolve('src/main/headless/work.ts'),
          // The `offload` command (bin/offload.js), a client of the HTTP API.
          cli: resolve('src/main/cli/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    // Minified: over HTTP the panel is downloaded, not read from disk.
    build: { minify: true, rolldownOptions: { input: resolve('src/renderer/index.html') } },
    plugins: [react(), contentSecurityPolicy()],
  },
})
