/** Signals every process in the group led by `pid`; a group that is already gone is not an error. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone (ESRCH), which is what we wanted.
  }
}
