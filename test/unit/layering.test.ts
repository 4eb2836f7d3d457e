import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers'

/** Lints one line as if it were a file at `path`, with the project's rules (types aside: the file is imaginary). */
async function importErrors(path: string, line: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: [{ files: ['**/*.{ts,tsx}'], ...tseslint.configs.disableTypeChecked }],
  })
  const [result] = await eslint.lintText(`${line}\nexport const used = typeof imported\n`, { filePath: `${ROOT}/${path}` })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message)
}

describe('the layering of src/, as the linter guards it', () => {
  it.each([
    ['src/main/worker/fixture.ts', "import { Engine as imported } from '../engine/engine'"],
    ['src/main/kinds/fixture.ts', "import { JobStore as imported } from '../engine/job-store'"],
    ['src/main/common/fixture.ts', "import { Engine as imported } from '../engine/engine'"],
    ['src/main/common/deep/fixture.ts', "import { runDesktopApp as imported } from '../../electron/app'"],
    ['src/main/engine/fixture.ts', "import { app as imported } from 'electron'"],
    ['src/main/headless/fixture.ts', "import { createTray as imported } from '../electron/tray'"],
    ['src/shared/fixture.ts', "import { Engine as imported } from '../main/engine/engine'"],
    ['src/renderer/src/fixture.ts', "import { Engine as imported } from '../../main/engine/engine'"],
    ['src/main/cli/fixture.ts', "import { openHost as imported } from '../engine/host'"],
    ['src/main/cli/commands/fixture.ts', "import { startHeadless as imported } from '../../headless/start-server'"],
    ['src/main/engine/fixture.ts', "import { RedisQueue as imported } from '../backends/bullmq/redis-queue'"],
  ])('refuses, in %s: %s', async (path, line) => {
    expect(await importErrors(path, line)).toHaveLength(1)
  })

  it.each([
    ['src/main/worker/fixture.ts', "import { HEARTBEAT_INTERVAL_MS as imported } from '../common/protocol'"],
    ['src/main/engine/fixture.ts', "import { loadKinds as imported } from '../kinds/registry'"],
    ['src/main/electron/fixture.ts', "import { app as imported } from 'electron'"],
    ['src/preload/fixture.ts', "import { contextBridge as imported } from 'electron'"],
    ['src/main/headless/fixture.ts', "import { openHost as imported } from '../engine/host'"],
    ['src/main/cli/fixture.ts', "import { createHttpClient as imported } from '../../shared/http-client'"],
    ['src/main/engine/fixture.ts', "import { createJobHandlers as imported } from '../backends/backend'"],
  ])('allows, in %s: %s', async (path, line) => {
    expect(await importErrors(path, line)).toEqual([])
  })
})

describe('the panel stays free of zod, as the linter guards it', () => {
  it.each([
    ['src/renderer/src/fixture.ts', "import { JOB_STATUSES as imported } from '../../shared/job'"],
    ['src/renderer/src/components/fixture.tsx', "import { api as imported } from '../../../shared/api'"],
    ['src/renderer/src/state/fixture.ts', "import { MISSED_POLICIES as imported } from '../../../shared/schedule'"],
    ['src/shared/http-client.ts', "import { api as imported } from './api'"],
    ['src/shared/vocabulary.ts', "import { z as imported } from 'zod'"],
  ])('refuses a value from a schema module, in %s: %s', async (path, line) => {
    expect(await importErrors(path, line)).toHaveLength(1)
  })

  it.each([
    ['src/renderer/src/fixture.ts', "import type { Job as imported } from '../../shared/job'"],
    ['src/renderer/src/fixture.ts', "import { JOB_STATUSES as imported } from '../../shared/vocabulary'"],
    ['src/renderer/src/fixture.ts', "import { ROUTES as imported } from '../../shared/methods'"],
    ['src/main/engine/fixture.ts', "import { JobSchema as imported } from '../../shared/job'"],
  ])('allows, in %s: %s', async (path, line) => {
    expect(await importErrors(path, line)).toEqual([])
  })
})
