import { join } from 'node:path'
import { desktopDataFolder } from '../../shared/desktop-data-folder'

/** Where server.json is looked for when no --data is given: the desktop app's data folder, then the headless default. */
export function dataFolders(env: NodeJS.ProcessEnv, home: string, platform: string = process.platform): string[] {
  return [desktopDataFolder({ platform, env, home }), join(home, '.offload')]
}
