// Before `npm start`/`npm run dev`: makes sure this machine has what the desktop app needs
// and that the tests don't (so `npm install` never depends on it):
//  1. Electron's binary (its postinstall is skipped by package.json "allowScripts");
//  2. better-sqlite3 built for Electron's ABI, kept in .electron-native/ and loaded through
//     better-sqlite3's `nativeBinding` option, so node_modules keeps Node's build for tests.
// Either can fail without the network; then it says so in a few lines, with the ways out, and exits 1.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const root = join(import.meta.dirname, '..')
const electronDir = dirname(require.resolve('electron/package.json'))
const electronPackage = require('electron/package.json')
const electronVersion = electronPackage.version
// stderr is kept for the message if the step fails; a compiler's warnings can be long.
const run = (command, args, cwd) => execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 256 * 1024 * 1024 })

/** The first line that says what went wrong, from a tool's stderr (not its stack frames). */
function reasonIn(stderr) {
  const lines = String(stderr ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('at ') && !line.startsWith('npm '))
  return lines.find((line) => /ERR!|error|fail|refused|denied|not found|timed? ?out/i.test(line)) ?? lines[0]
}

/** Electron 45's installer and tooling ask for this Node or newer (its package.json "engines"). */
function nodeTooOld() {
  const wanted = /(\d+)\.(\d+)/.exec(electronPackage.engines?.node ?? '')
  if (!wanted) return undefined
  const [major, minor] = process.versions.node.split('.').map(Number)
  const [wantMajor, wantMinor] = [Number(wanted[1]), Number(wanted[2])]
  if (major > wantMajor || (major === wantMajor && minor >= wantMinor)) return undefined
  return `Electron ${electronVersion} asks for Node ${wantMajor}.${wantMinor} or newer; this is Node ${process.versions.node}.`
}

function giveUp(what, reason, waysOut) {
  const tooOld = nodeTooOld()
  console.error(
    [
      `offload: ${what}`,
      ...(reason ? [`  ${reason}`] : []),
      'Ways out:',
      ...waysOut.map((way) => `  - ${way}`),
      '  - or use the same panel in a browser, without Electron: npm run serve',
      ...(tooOld ? [`Also: ${tooOld}`] : []),
    ].join('\n'),
  )
  process.exit(1)
}

/** Whether the binary is there, without require('electron'), which would try to download it on the spot. */
function hasElectronBinary() {
  const pathFile = join(electronDir, 'path.txt')
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return existsSync(join(process.env.ELECTRON_OVERRIDE_DIST_PATH, executable || 'electron'))
  return executable !== undefined && existsSync(join(electronDir, 'dist', executable))
}

function ensureElectronBinary() {
  if (hasElectronBinary()) return
  console.log(`Downloading Electron ${electronVersion} (once)…`)
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { cwd: electronDir, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' })
  if (install.status === 0) return
  const from = process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || 'https://github.com/electron/electron/releases/download/'
  giveUp(`could not download Electron ${electronVersion}, which the desktop app runs in, from ${from}`, reasonIn(install.stderr ?? install.error?.message), [
    'through a mirror: ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/ npm start',
    'through a proxy: ELECTRON_GET_USE_PROXY=1 HTTPS_PROXY=http://proxy.example:8080 npm start',
  ])
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
    try {
      run(
        bin('node-gyp'),
        ['rebuild', '--release', '--runtime=electron', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers'],
        work,
      )
    } catch (error) {
      rmSync(work, { recursive: true, force: true })
      giveUp(
        `could not get better-sqlite3 ${sqliteVersion} built for Electron ${electronVersion}: no prebuilt copy could be downloaded, and building one (node-gyp: Electron's headers from electronjs.org, Python, a C++ compiler) failed.`,
        reasonIn(error.stderr ?? error.message),
        ['through a proxy: HTTPS_PROXY=http://proxy.example:8080 npm start'],
      )
    }
  }
  cpSync(join(work, 'build', 'Release', 'better_sqlite3.node'), target)
  writeFileSync(stampFile, stamp)
  rmSync(work, { recursive: true, force: true })
}

ensureElectronBinary()
ensureSqliteForElectron()
