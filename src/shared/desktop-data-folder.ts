/** The desktop app's data folder's name, inside the OS's per-user app-data folder. */
export const DESKTOP_FOLDER_NAME = 'Offload'

export interface DesktopDataFolderInput {
  /** As `process.platform`: 'linux', 'darwin', 'win32', … */
  platform: string
  env: Readonly<Record<string, string | undefined>>
  /** The user's home folder (`os.homedir()`). */
  home: string
}

/**
 * Where the desktop app keeps its data, worked out without Electron, so the
 * command line can find the app's server.json: Electron's `appData` (as
 * Chromium computes it) plus DESKTOP_FOLDER_NAME. The app itself sets its
 * `userData` to exactly that (src/main/electron/app.ts).
 */
export function desktopDataFolder({ platform, env, home }: DesktopDataFolderInput): string {
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData\\Roaming', '\\'), DESKTOP_FOLDER_NAME, '\\')
  if (platform === 'darwin') return join(join(home, 'Library/Application Support', '/'), DESKTOP_FOLDER_NAME, '/')
  // Linux and the other Unixes: Chromium takes XDG_CONFIG_HOME when it is set and not empty.
  return join(env.XDG_CONFIG_HOME || join(home, '.config', '/'), DESKTOP_FOLDER_NAME, '/')
}

/** `base` and `name` with one separator between them, whatever `base` ends with ("/", "C:\\", "/home/me/"). */
function join(base: string, name: string, separator: '/' | '\\'): string {
  let end = base.length
  while (end > 0 && base[end - 1] === separator) end--
  return `${base.slice(0, end)}${separator}${name}`
}
