import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    // Builds the panel the browser tests load.
    globalSetup: ['test/e2e/global-setup.ts'],
    // Integration tests start real worker processes; on a 2-core machine they get room to breathe.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
