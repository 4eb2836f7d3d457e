import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface WorkerEntry {
  entry: string
  execArgv: string[]
}

/**
 * Where the worker script is, seen from the directory of the running host
 * module: beside it once built (out/main/worker.js), or as TypeScript under
 * src/ when run from source, then loaded through tsx.
 */
export function resolveWorkerEntry(hostDir: string): WorkerEntry {
  const built = join(hostDir, 'worker.js')
  if (existsSync(built)) return { entry: built, execArgv: [] }
  const source = join(hostDir, '..', 'worker', 'index.ts')
  if (existsSync(source)) return { entry: source, execArgv: ['--import', import.meta.resolve('tsx')] }
  throw new Error(`Cannot find the worker script beside ${hostDir}; run "npm run build"`)
}
