import { createWriteStream } from 'node:fs'
import { link, lstat, mkdir, readlink, symlink, unlink, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { JobFailure } from '../kind'
import { formatBytes } from '../format-bytes'
import { entryPath, linkTargetByName } from './entry-path'

/** A result is one row: the refused entries past this many are only counted. */
export const MAX_REFUSED = 200
/** Files up to this size are written in one call: most files in most archives are small, and a stream per file costs more than the file. */
const SMALL_FILE = 1024 * 1024
/** Links are followed this many times before a chain counts as a loop (Linux's own limit). */
const MAX_LINK_HOPS = 40

export interface Refusal {
  path: string
  reason: string
}

export interface TreeLimits {
  /** What the entries may add up to, by their declared sizes (the free space, say). */
  maxBytes: number
  maxEntries: number
}

/** What was unpacked and what was refused. */
export interface TreeCounts {
  files: number
  folders: number
  links: number
  bytes: number
  refused: Refusal[]
  refusedTotal: number
}

async function lstatOrNull(path: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(path)
  } catch {
    return null
  }
}

/**
 * Unpacks entries under `root` (a fresh private folder) so that nothing
 * lands outside it. Names are checked by entryPath; files, folders and hard
 * links are made first, while no symlink exists under root, so none of them
 * can be written through one; symlinks are made last (never inside a linked
 * folder), then each is resolved on the disk link by link, and one that
 * leads outside root is removed and refused.
 */
export class ExtractTree {
  private readonly counts: TreeCounts = { files: 0, folders: 0, links: 0, bytes: 0, refused: [], refusedTotal: 0 }
  private entries = 0
  private declared = 0
  /** What this tree made, by path: root is fresh and private, so nothing else is in it. */
  private readonly made = new Map<string, 'file' | 'folder'>()
  private readonly symlinks: { path: string; target: string }[] = []

  constructor(
    private readonly root: string,
    private readonly limits: TreeLimits,
    private readonly log: (line: string) => void,
  ) {}

  get result(): TreeCounts {
    return this.counts
  }

  refuse(path: string, reason: string): void {
    this.counts.refusedTotal++
    if (this.counts.refused.length < MAX_REFUSED) this.counts.refused.push({ path, reason })
    this.log(`Refused ${path}: ${reason}`)
  }

  /**
   * Counts an entry of `size` declared bytes and checks its name; null when
   * refused (or the folder itself). Throws when the archive is past its limits.
   */
  admit(name: string, size: number): string | null {
    if (++this.entries > this.limits.maxEntries) {
      throw new JobFailure('job_error', `The archive has more than ${this.limits.maxEntries.toLocaleString('en')} entries; not unpacked`)
    }
    this.declared += size
    if (this.declared > this.limits.maxBytes) {
      throw new JobFailure(
        'job_error',
        `The archive unpacks to more than the ${formatBytes(this.limits.maxBytes)} free on the disk; not unpacked (nothing was kept)`,
      )
    }
    const checked = entryPath(name)
    if (!checked.ok) {
      this.refuse(name, checked.reason)
      return null
    }
    return checked.path || null
  }

  async folder(path: string): Promise<void> {
    const made = this.made.get(path)
    if (made === 'folder') return
    if (made === 'file' || !(await this.makeParent(path))) return this.refuse(path, 'a file of the same name came first')
    if (!(await this.clashes(path, mkdir(join(this.root, path))))) this.madeFolder(path)
  }

  /**
   * Writes the data `open` gives (`size` bytes, as declared and checked by
   * the reader) to `path`; `open` is not called when the entry is refused.
   * A file of the same name from earlier in the archive is replaced: tar's
   * rule, the last one wins.
   */
  async file(path: string, mode: number, size: number, open: () => AsyncIterable<Buffer> | Promise<AsyncIterable<Buffer>>, signal: AbortSignal): Promise<void> {
    if (!(await this.makeRoom(path))) return
    const data = await open()
    const at = join(this.root, path)
    const options = { flag: 'wx', mode: (mode & 0o777) | 0o600 } as const
    let written = 0
    const source = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of abortable(data, signal)) {
        written += chunk.length
        yield chunk
      }
    }
    if (size <= SMALL_FILE) {
      const chunks: Buffer[] = []
      const collect = new Writable({
        write(chunk: Buffer, _encoding, next) {
          chunks.push(chunk)
          next()
        },
      })
      await pipeline(source, collect, { signal })
      if (await this.clashes(path, writeFile(at, Buffer.concat(chunks), { ...options, signal }))) return
    } else if (await this.clashes(path, pipeline(source, createWriteStream(at, { flags: options.flag, mode: options.mode }), { signal }))) return
    this.made.set(path, 'file')
    this.counts.files++
    this.counts.bytes += written
  }

  /** A tar hard link: to a file this archive already unpacked, nothing else. */
  async hardLink(path: string, target: string): Promise<void> {
    const checked = entryPath(target)
    if (!checked.ok) return this.refuse(path, `hard link: ${checked.reason}`)
    if (this.made.get(checked.path) !== 'file') return this.refuse(path, `hard link to ${target}, which is not a file unpacked from this archive`)
    if (!(await this.makeRoom(path))) return
    if (await this.clashes(path, link(join(this.root, checked.path), join(this.root, path)))) return
    this.made.set(path, 'file')
    this.counts.files++
  }

  /** Notes a symlink, made by finish(). */
  symlink(path: string, target: string): void {
    const checked = linkTargetByName(path, target)
    if (!checked.ok) return this.refuse(path, checked.reason)
    this.symlinks.push({ path, target })
  }

  /** Makes the symlinks, then removes and refuses those that lead outside root through other links. */
  async finish(signal: AbortSignal): Promise<void> {
    const made: { path: string; target: string }[] = []
    for (const link of this.symlinks) {
      signal.throwIfAborted()
      const parts = link.path.split('/')
      let parentOk = true
      for (let i = 1; i < parts.length && parentOk; i++) {
        const stat = await lstatOrNull(join(this.root, ...parts.slice(0, i)))
        if (stat && !stat.isDirectory()) parentOk = false
      }
      if (!parentOk) {
        this.refuse(link.path, 'inside a linked folder or a file')
        continue
      }
      if (await lstatOrNull(join(this.root, link.path))) {
        this.refuse(link.path, 'another entry of the same name came first')
        continue
      }
      await mkdir(join(this.root, ...parts.slice(0, -1)), { recursive: true })
      await symlink(link.target, join(this.root, link.path))
      made.push(link)
    }
    // Judged all before any is removed: a link may lead outside only through another.
    const inside = await Promise.all(made.map((link) => this.resolvesInside(link.path)))
    for (const [i, link] of made.entries()) {
      if (inside[i]) this.counts.links++
      else {
        await unlink(join(this.root, link.path))
        this.refuse(link.path, `link leading outside the folder through other links (${link.target})`)
      }
    }
  }

  /** Frees `path` for a new file: a file there goes, a folder there refuses the entry. */
  private async makeRoom(path: string): Promise<boolean> {
    const made = this.made.get(path)
    if (made === 'file') {
      await unlink(join(this.root, path))
      this.made.delete(path)
      this.counts.files--
      return true
    }
    if (made === 'folder') this.refuse(path, 'a folder of the same name came first')
    else if (await this.makeParent(path)) return true
    else this.refuse(path, 'a file of the same name as one of its folders came first')
    return false
  }

  /** Makes the folders above `path`; false when one of them is a file. */
  private async makeParent(path: string): Promise<boolean> {
    const parent = path.split('/').slice(0, -1)
    if (parent.length === 0 || this.made.get(parent.join('/')) === 'folder') return true
    for (let i = 1; i <= parent.length; i++) if (this.made.get(parent.slice(0, i).join('/')) === 'file') return false
    if (await this.clashes(path, mkdir(join(this.root, ...parent), { recursive: true }))) return false
    for (let i = 1; i <= parent.length; i++) this.madeFolder(parent.slice(0, i).join('/'))
    return true
  }

  private madeFolder(path: string): void {
    if (this.made.get(path) === 'folder') return
    this.made.set(path, 'folder')
    this.counts.folders++
  }

  /**
   * Awaits `work`; true (and the entry refused) when it failed because the
   * name is taken after all: on a case-insensitive disk "A" and "a" are one.
   */
  private async clashes(path: string, work: Promise<unknown>): Promise<boolean> {
    try {
      await work
      return false
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error
      this.refuse(path, 'another entry of the same name came first')
      return true
    }
  }

  /** Follows `path` under root the way the system would, link by link; false as soon as the walk leaves root. */
  private async resolvesInside(path: string): Promise<boolean> {
    const at: string[] = []
    const rest = path.split('/')
    let hops = 0
    while (rest.length > 0) {
      const part = rest.shift()!
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (at.pop() === undefined) return false
        continue
      }
      at.push(part)
      const stat = await lstatOrNull(join(this.root, ...at))
      if (!stat?.isSymbolicLink()) continue
      if (++hops > MAX_LINK_HOPS) return false
      const target = await readlink(join(this.root, ...at))
      if (isAbsolute(target)) return false
      at.pop()
      rest.unshift(...target.split('/'))
    }
    return true
  }
}

/**
 * `data`, ending with the abort reason as soon as `signal` aborts, even
 * while waiting for a chunk that will never come (a truncated tar's last
 * entry): a plain for-await, and a pipeline around it, would wait forever.
 */
async function* abortable(data: AsyncIterable<Buffer>, signal: AbortSignal): AsyncGenerator<Buffer> {
  const chunks = data[Symbol.asyncIterator]()
  let onAbort: () => void = () => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => {})
  try {
    for (;;) {
      signal.throwIfAborted()
      const next = await Promise.race([chunks.next(), aborted])
      if (next.done) return
      yield next.value
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
