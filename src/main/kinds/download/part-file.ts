import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { nameFromUrl } from './file-name'

/** What a later attempt needs to go on with a `.part` file: whose bytes these are and how to ask for the rest. */
export interface Sidecar {
  url: string
  /** The name the finished file gets (chosen from the first response). */
  name: string
  etag: string | null
  lastModified: string | null
  /** The full size, when the server said it. */
  size: number | null
}

export interface PartPaths {
  part: string
  sidecar: string
}

/**
 * The .part name is fixed by the URL (and the name asked for), not by the
 * server's answer: a new attempt must find it before it has asked anything,
 * and two URLs ending in the same name must not share one.
 */
export function partPaths(folder: string, url: string, name: string | undefined): PartPaths {
  const key = createHash('sha256')
    .update(`${url}\n${name ?? ''}`)
    .digest('hex')
    .slice(0, 12)
  const label = [...(name ?? nameFromUrl(url))].slice(0, 80).join('')
  const part = join(folder, `${label}.${key}.part`)
  return { part, sidecar: `${part}.json` }
}

function isSidecar(value: unknown, url: string): value is Sidecar {
  const v = value as Partial<Sidecar> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    v.url === url &&
    typeof v.name === 'string' &&
    (v.etag === null || typeof v.etag === 'string') &&
    (v.lastModified === null || typeof v.lastModified === 'string') &&
    (v.size === null || (Number.isSafeInteger(v.size) && v.size! >= 0))
  )
}

/** The sidecar of an earlier attempt for this URL; null when there is none or it cannot be trusted (a kill mid-write, say). */
export async function readSidecar(path: string, url: string): Promise<Sidecar | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
    return isSidecar(parsed, url) ? parsed : null
  } catch {
    return null
  }
}

export function writeSidecar(path: string, sidecar: Sidecar): Promise<void> {
  return writeFile(path, JSON.stringify(sidecar))
}

export async function removePart(paths: PartPaths): Promise<void> {
  await rm(paths.part, { force: true })
  await rm(paths.sidecar, { force: true })
}

/** SHA-256 of the first `bytes` bytes of a file (all of it when omitted), fed into `hash` when given. */
export async function hashFile(path: string, signal: AbortSignal, into = createHash('sha256'), bytes?: number): Promise<typeof into> {
  if (bytes === 0) return into
  const stream = createReadStream(path, { signal, ...(bytes === undefined ? {} : { end: bytes - 1 }) })
  for await (const chunk of stream) into.update(chunk as Buffer)
  return into
}
