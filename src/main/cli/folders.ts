import { join, resolve } from 'node:path'
import { desktopDataFolder } from '../../shared/desktop-data-folder'

/** Where server.json is looked for when no --data is given: the desktop app's data folder, then the headless default. */
export function dataFolders(env: NodeJS.ProcessEnv, home: string, platform: string = process.platform): string[] {
  return [desktopDataFolder({ platform, env, home }), join(home, '.offload')]
}

/** The folder as the API needs it, absolute: a leading ~ is the home folder, anything relative is from `cwd`. */
export function absoluteFolder(folder: string, cwd: string, home: string): string {
  return resolve(cwd, /^~(?=$|[\\/])/.test(folder) ? home + folder.slice(1) : folder)
}
