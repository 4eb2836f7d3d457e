#!/usr/bin/env node
// The `offload` command. It runs the built client (out/main/cli.js: npm run build, serve, start and test
// all make it), or, in a checkout that has not been built yet, its source through tsx.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const built = join(import.meta.dirname, '..', 'out', 'main', 'cli.js')
if (existsSync(built)) {
  await import(pathToFileURL(built).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(join(import.meta.dirname, '..', 'src', 'main', 'cli', 'index.ts')).href)
}
