// Before `npm start`/`npm run dev`: makes sure this machine has what the desktop app needs
// and that the tests don't (so `npm install` never depends on it):
//  1. Electron's binary (its postinstall is skipped by package.json "allowScripts");
//  2. better-sqlite3 built for Electron's ABI, kept in .electron-native/ and loaded through
//     better-sqlite3's `nativeBinding` option, so node_modules keeps Node's build for tests.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const root = join(import.meta.dirname, '..')
const electronDir = dirname(require.resolve('electron/package.json'))
const electronVersion = require('electron/package.json').version
const run = (command, args, cwd) => execFileSync(command, args, { cwd, stdio: 'inherit' })

function ensureElectronBinary() {
  try {
    if (existsSync(require('electron'))) return
  } catch {
    // Not downloaded yet.
  }
  console.log(`Downloading Electron ${electronVersion} (once)…`)
  run(process.execPath, [join(electronDir, 'install.js')], electronDir)
}

function ensureSqliteForElectron() {
  const outDir = join(root, '.electron-native')
  const target = join(outDir, 'better_sqlite3.node')
  const stampFile = join(outDir, 'version.json')
  const sqliteVersion = require('better-sqlite3/package.json').version
  const stamp = JSON.stringify({ electron: electronVersion, betterSqlite3: sqliteVersion, arch: process.arch })
  if (existsSync(target) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return

  console.log(`Building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (once)…`)
  const work = join(outDir, 'build')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  cpSync(dirname(require.resolve('better-sqlite3/package.json')), work, {
    recursive: true,
    filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`),
  })
  const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name)
  try {
    run(bin('prebuild-install'), ['--runtime', 'electron', '--target', electronVersion, '--arch', process.arch], work)
  } catch {
    run(
      bin('node-gyp'),
      ['rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers'],
      work,
    )
  }
  cpSync(join(work, 'build', 'Release', 'better_sqlite3.node'), target)
  writeFileSync(stampFile, stamp)
  rmSync(work, { recursive: true, force: true })
}

ensureElectronBinary()
ensureSqliteForElectron()
