import { defineConfig } from 'vitest/config'

/**
 * The torture suite (npm run torture): crash, faults, fuzz and storage, each a
 * file under test/torture. The parts load the machine on purpose, so they run
 * one at a time. A short run by default (about two minutes, for CI);
 * TORTURE_MINUTES=<n> makes the crash and fuzz parts fill about n minutes in all.
 */
const minutes = Number(process.env.TORTURE_MINUTES) || 0

export default defineConfig({
  test: {
    include: ['test/torture/**/*.torture.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: Math.max(10, minutes * 2) * 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // A failed torture check is a finding, not flakiness: never retried.
    retry: 0,
  },
})
