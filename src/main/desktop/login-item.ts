/** Carried by a start at login, so the app starts in the tray without a window. */
export const HIDDEN_FLAG = '--hidden'

/** Whether this start shows no window: a start at login, said by the flag or (macOS) by the OS. */
export function startsHidden(argv: readonly string[], openedAtLogin: boolean): boolean {
  return openedAtLogin || argv.includes(HIDDEN_FLAG)
}

export interface LaunchCommand {
  path: string
  args: string[]
}

/**
 * What the OS runs at login. An AppImage runs from a mount that is gone
 * after it quits, so the AppImage file itself is started; in development,
 * Electron is started with the app's folder.
 */
export function loginCommand(app: { execPath: string; appPath: string; packaged: boolean; appImage?: string | undefined }): LaunchCommand {
  if (!app.packaged) return { path: app.execPath, args: [app.appPath, HIDDEN_FLAG] }
  return { path: app.appImage ?? app.execPath, args: [HIDDEN_FLAG] }
}

/** An XDG autostart entry, which Linux desktops run at login, for `command`. */
export function autostartEntry(command: LaunchCommand): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Offload',
    'Comment=Runs heavy jobs in the background',
    `Exec=${execLine(command)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

/**
 * The Exec key's value: each argument quoted, with `"`, `` ` ``, `$` and `\`
 * escaped inside the quotes, `%` doubled (it starts a field code), and then
 * every backslash doubled once more, since Exec is a string value whose own
 * escapes are read first (Desktop Entry Specification, "The Exec key").
 */
function execLine({ path, args }: LaunchCommand): string {
  const quoted = [path, ...args].map((arg) => `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"`).join(' ')
  return quoted.replace(/%/g, '%%').replace(/\\/g, '\\\\')
}
