import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { isAlive } from '../common/process-alive'
import { describeFolderFailure, DataFolderError } from './data-folder'

/** Another Offload (the desktop app, `offload serve`, or another host in this process) has this data folder open. */
export class FolderInUseError extends DataFolderError {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `Offload is already using the data folder ${dataDir} (pid ${pid}); stop that one first, or use another data folder. ` +
        `(If pid ${pid} is not Offload, remove ${dataDir}/offload.lock.)`,
    )
    this.name = 'FolderInUseError'
  }
}

function holder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

/**
 * Takes the data folder for this process: one engine per folder, so two never
 * dispatch the same jobs, nor sweep each other's scratch folders. The lock is
 * a file made with O_EXCL holding the pid; one left by a process that has
 * died (kill -9, a power cut) is taken over. Returns the release.
 */
export function lockDataFolder(dataDir: string, file: string): () => void {
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      return () => {
        if (holder(file) === process.pid) rmSync(file, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw describeFolderFailure(dataDir, error)
    }
    const pid = holder(file)
    // This very process counts: a second host on one folder is as wrong in one process as in two.
    if (pid !== null && isAlive(pid)) throw new FolderInUseError(dataDir, pid)
    if (attempt > 0) throw new FolderInUseError(dataDir, pid ?? 0)
    rmSync(file, { force: true })
  }
}
