// @ts-check
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The rooms of src/ and what each may not import (see docs/architecture.md):
 * a layer imports only from the layers below it, and only the Electron
 * adapters and the preload import `electron`, the way VS Code's
 * code-layering rule guards common/ ⇢ node/ ⇢ electron-main/.
 */
const ROOMS = {
  'src/shared': ['main', 'renderer', 'preload'],
  'src/main/common': ['engine', 'kinds', 'worker', 'node', 'desktop', 'electron', 'headless', 'cli'],
  'src/main/kinds': ['engine', 'worker', 'node', 'desktop', 'electron', 'headless', 'cli'],
  'src/main/worker': ['engine', 'node', 'desktop', 'electron', 'headless', 'cli'],
  // The backend seam (backends/backend.ts, capabilities.ts) sits below the engine; the BullMQ backend beside it.
  'src/main/engine': ['worker', 'node', 'desktop', 'electron', 'headless', 'cli', 'backends/bullmq'],
  'src/main/node': ['desktop', 'electron', 'headless', 'cli'],
  'src/main/desktop': ['engine', 'kinds', 'worker', 'node', 'electron', 'headless', 'cli'],
  'src/main/headless': ['desktop', 'electron', 'cli'],
  // A second home for the queue (BullMQ on Redis): beside the engine, below the shells.
  'src/main/backends': ['desktop', 'electron', 'cli', 'headless', 'node'],
  // The command line is a client of the HTTP API: the contract, and nothing of the engine (`offload serve` runs the server as a process).
  'src/main/cli': ['engine', 'kinds', 'worker', 'node', 'desktop', 'electron', 'headless'],
  'src/renderer': ['main', 'preload'],
}
/** The shared modules that build zod schemas as they load. */
const ZOD_MODULES = ['api', 'job', 'schedule', 'watch', 'active-hours', 'lane', 'backend', 'search', 'export', 'errors', 'server-info']
const MAY_IMPORT_ELECTRON = ['src/main/electron/**', 'src/preload/**']

/** A relative import that reaches into one of these folders, from anywhere. */
const into = (folders) => ({
  regex: `^(\\.{1,2}/)+(.*/)?(${folders.join('|')})(/|$)`,
  message: 'This import crosses the layering of src/ (see the rooms in eslint.config.js and docs/architecture.md).',
})
const electron = { name: 'electron', message: 'Only src/main/electron and the preload import electron; the rest runs under plain Node too.' }

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'test/bench/tmp/**',
      '.electron-native/**',
      'test/lint-fixtures/**',
      'test/fixtures/kinds/broken-syntax.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.node.json', './tsconfig.web.json', './tsconfig.e2e.json'], tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Promises handed to `void` on purpose are how fire-and-forget is said here.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      'no-restricted-imports': ['error', { paths: [electron] }],
      // A variable read by a closure before its one assignment can't be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  ...Object.entries(ROOMS).map(([room, forbidden]) => ({
    files: [`${room}/**/*.{ts,tsx}`],
    rules: { 'no-restricted-imports': ['error', { paths: [electron], patterns: [into(forbidden)] }] },
  })),
  { files: MAY_IMPORT_ELECTRON, rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // About the React Compiler, which the panel does not use.
      'react-hooks/incompatible-library': 'off',
      // The schemas (and zod with them) are a fifth of the panel's download and its first tens of ms: it takes their types only, and values from the zod-free modules.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.{1,2}/)+(.*/)?shared/(${ZOD_MODULES.join('|')})$`,
              allowTypeImports: true,
              message: 'The panel takes only types from the schema modules; values come from shared/vocabulary.ts or shared/methods.ts (zod-free).',
            },
          ],
        },
      ],
    },
  },
  {
    // What the panel imports of src/shared must stay zod-free all the way down.
    files: ['src/shared/{http-client,methods,vocabulary,wire-error,schema-form,notification-grouper,cron}.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\./(${ZOD_MODULES.join('|')})$`,
              allowTypeImports: true,
              message: 'The panel loads this module: it takes only types from the schema modules.',
            },
            { regex: '^zod$', message: 'The panel loads this module: it must not load zod.' },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON bodies and fakes loosely on purpose: `any` there is a test's shortcut, not the contract's.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Fakes keep the async shape of the APIs they stand in for.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JavaScript: the config itself, scripts, fixture kinds (they run in workers, untyped by design).
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
)
