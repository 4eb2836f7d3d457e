import { randomBytes } from 'node:crypto'
import { readdir, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** `.photo.jpg.256.webp.1a2b3c4d.tmp`: hidden, and not an image by its name, so no run takes it for one. */
const TEMP_NAME = /^\..+\.[0-9a-f]{8}\.tmp$/
/** No thumbnail takes this long to write: a temp file this old was left by a worker that was killed or lost power. */
export const STALE_TEMP_MS = 60 * 60 * 1000

/** Beside the thumbnail, so the rename stays on one file system. */
export const tempPathFor = (target: string): string => join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`)

/** Removes the temp files a killed attempt left in `folder`; those of a job still at work there are younger. */
export async function removeStaleTemps(folder: string, now: number): Promise<void> {
  for (const name of await readdir(folder)) {
    if (!TEMP_NAME.test(name)) continue
    const path = join(folder, name)
    const info = await stat(path).catch(() => null)
    if (info?.isFile() && now - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true })
  }
}
