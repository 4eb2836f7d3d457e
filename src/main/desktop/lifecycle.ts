/** What closing the window does: hide to the tray while work remains (if the user wants that), else close. */
export function onWindowClose(state: { quitting: boolean; closeToTray: boolean; activeJobs: number }): 'hide' | 'close' {
  return !state.quitting && state.closeToTray && state.activeJobs > 0 ? 'hide' : 'close'
}

/** The question asked once when quitting with work in progress. */
export function quitQuestion(running: number, queued: number): { message: string; detail: string } | null {
  if (running === 0) return null
  const jobs = running === 1 ? '1 job is' : `${running} jobs are`
  return {
    message: `${jobs} still running. Quit Offload?`,
    detail:
      `Running jobs get a few seconds to finish; the rest go back to the queue and continue the next time Offload starts.` +
      (queued > 0 ? ` ${queued} queued job${queued === 1 ? '' : 's'} will wait too.` : ''),
  }
}
