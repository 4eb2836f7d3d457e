import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { copyFile, link, lstat, mkdir, rename, unlink } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { hashFile } from './file-hashes'

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch {
    return false
  }
}

/**
 * Makes `to` name the same file as `from` without ever replacing what `to`
 * names: a hard link fails rather than overwrite. False when `to` exists.
 * A file system without hard links gets a rename after a look, which a
 * concurrent writer could race; none is expected in a folder of set-aside copies.
 */
async function placeWithoutClobber(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to)
    await unlink(from)
    return true
  } catch (error) {
    const code = errno(error)
    if (code === 'EEXIST') return false
    if (code === 'EXDEV') throw error
    if (await exists(to)) return false
    await rename(from, to)
    return true
  }
}

/** `name (2).ext`, `name (3).ext`, … beside `path`. */
const variant = (path: string, n: number): string => {
  const ext = extname(path)
  return join(dirname(path), `${basename(path, ext)} (${n})${ext}`)
}

export class ChangedWhileMoving extends Error {}

/**
 * Moves `from` to `to` or, if that name is taken, to the first free
 * `to (n).ext`; never overwrites, never deletes a byte that has no other copy.
 * Across devices the file is copied beside its destination, checked against
 * `hash`, and only then is the original removed. Returns where it went.
 */
export async function moveWithoutClobber(from: string, to: string, hash: string, signal: AbortSignal): Promise<string> {
  await mkdir(dirname(to), { recursive: true })
  let staged: string | null = null
  try {
    for (let n = 1; ; n++) {
      const target = n === 1 ? to : variant(to, n)
      try {
        if (await placeWithoutClobber(staged ?? from, target)) {
          if (staged) await unlink(from)
          return target
        }
      } catch (error) {
        if (errno(error) !== 'EXDEV' || staged) throw error
        staged = join(dirname(to), `.${basename(to)}.${randomBytes(4).toString('hex')}.offload-partial`)
        await copyFile(from, staged, constants.COPYFILE_EXCL)
        if ((await hashFile(staged, signal)) !== hash) throw new ChangedWhileMoving('The copy does not match the original')
        n--
      }
    }
  } catch (error) {
    if (staged) await unlink(staged).catch(() => {})
    throw error
  }
}
