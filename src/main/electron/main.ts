import { app } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { runDesktopApp } from './app'

/** Electron main process entry (built as out/main/index.js): only where things are; app.ts does the rest. */
const here = import.meta.dirname
const devNative = join(app.getAppPath(), '.electron-native', 'better_sqlite3.node')

void runDesktopApp(
  {
    preload: join(here, '..', 'preload', 'index.cjs'),
    rendererFile: join(here, '..', 'renderer', 'index.html'),
    ...(!app.isPackaged && process.env.ELECTRON_RENDERER_URL ? { rendererUrl: process.env.ELECTRON_RENDERER_URL } : {}),
    // The worker is unpacked from the asar (see electron-builder.yml) so the OS can run it as a process of its own.
    workerEntry: join(here, 'worker.js').replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'),
    resources: app.isPackaged ? join(process.resourcesPath, 'resources') : join(app.getAppPath(), 'resources'),
    // Built by scripts/prepare-electron.mjs for development; a packaged app's node_modules is already built for Electron.
    ...(!app.isPackaged && existsSync(devNative) ? { nativeBinding: devNative } : {}),
  },
  { argv: process.argv, platform: process.platform },
)
