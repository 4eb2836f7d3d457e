import { once } from 'node:events'
import { createWriteStream, readFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { EXPORT_CONTENT_TYPE, EXPORT_PATH, IMPORT_PATH, ImportResultSchema, RECORD_TYPES, type ImportResult, type RecordType } from '../../../shared/export'
import { ApiError } from '../../../shared/wire-error'
import { unreachableAt } from '../client'
import type { Context } from '../context'
import { CliError, EXIT, type ExitCode } from '../errors'

/** How long a server may take to begin answering; the export itself then streams as long as it takes. */
const ANSWER_TIMEOUT_MS = 60_000
/** An import is checked whole before its answer: a big file on a slow machine takes a while. */
const IMPORT_TIMEOUT_MS = 10 * 60_000

const NOUNS: Record<RecordType, [string, string]> = {
  job: ['job', 'jobs'],
  schedule: ['schedule', 'schedules'],
  watch: ['watch', 'watches'],
  lane: ['lane', 'lanes'],
  settings: ['the settings', 'the settings'],
}

const counted = (type: Exclude<RecordType, 'settings'>, n: number): string => `${n.toLocaleString('en')} ${NOUNS[type][n === 1 ? 0 : 1]}`

/** "7 jobs, 1 schedule and the settings"; "nothing" for none. */
function listed(parts: string[]): string {
  if (parts.length === 0) return 'nothing'
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`
}

async function send(ctx: Context, path: string, init: RequestInit & { timeoutMs: number }): Promise<Response> {
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), init.timeoutMs)
  let response: Response
  try {
    response = await fetch(`${ctx.connection.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ctx.connection.token}`, ...init.headers },
      signal: abort.signal,
    })
  } catch {
    throw new ApiError('unreachable', unreachableAt(ctx.connection))
  } finally {
    // Only the answer's start is timed: an export then streams for as long as it takes.
    clearTimeout(timer)
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown; detail?: unknown } } | null
    throw ApiError.fromBody(body?.error, response.statusText)
  }
  return response
}

/**
 * The whole queue as JSON Lines (jobs, schedules, watches, lane settings
 * and the settings), to a file or stdout, streamed as the server sends it.
 * What it wrote is said on stderr; a file cut off on the way is removed.
 */
export async function exportQueue(ctx: Context, options: { out?: string }): Promise<ExitCode> {
  const file = options.out === undefined || options.out === '-' ? undefined : resolve(ctx.io.cwd, options.out)
  const sink = file === undefined ? ctx.io.stdout : createWriteStream(file)
  if (file !== undefined) {
    await once(sink, 'open').catch((error: unknown) => {
      throw new CliError(`Can’t write ${options.out}: ${(error as Error).message}`)
    })
  }
  const removeFile = (): void => {
    if (file === undefined) return
    sink.destroy()
    rmSync(file, { force: true })
  }
  const response = await send(ctx, EXPORT_PATH, { timeoutMs: ANSWER_TIMEOUT_MS }).catch((error: unknown) => {
    removeFile()
    throw error
  })
  const counts = new Map<string, number>()
  let tail = ''
  const decoder = new TextDecoder()
  const count = (text: string): void => {
    const lines = (tail + text).split('\n')
    tail = lines.pop()!
    // Each record's type is its first field, as the server writes it.
    for (const line of lines) {
      const type = /^\{"type":"([a-z-]+)"/.exec(line)?.[1]
      if (type) counts.set(type, (counts.get(type) ?? 0) + 1)
    }
  }
  try {
    for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
      count(decoder.decode(chunk, { stream: true }))
      if (!sink.write(chunk)) await once(sink, 'drain')
    }
    if (counts.get('offload-export') !== 1 || tail !== '') throw new Error('the answer is not a whole export')
    if (sink !== ctx.io.stdout) {
      sink.end()
      await once(sink, 'finish')
    }
  } catch (error) {
    removeFile()
    const cause = error instanceof Error ? error.message : String(error)
    throw new CliError(`The export was cut off (${cause})${file === undefined ? '' : `; ${options.out} was removed`}`, EXIT.unreachable)
  }
  const parts = RECORD_TYPES.filter((t) => t !== 'settings').map((t) => counted(t, counts.get(t) ?? 0))
  if (counts.has('settings')) parts.push('the settings')
  ctx.err(`Exported ${listed(parts)}${file === undefined ? '' : ` to ${options.out}`}`)
  return EXIT.ok
}

/**
 * A file that `offload export` wrote (or "-" for stdin), into this queue:
 * every line is checked first and then all of it is stored at once, so a
 * bad file changes nothing. What is there already (by id) is skipped.
 */
export async function importQueue(ctx: Context, source: string, options: { json?: boolean }): Promise<ExitCode> {
  const named = source === '-' ? 'stdin' : source
  let body: Buffer
  try {
    body = source === '-' ? await readAll(process.stdin) : readFileSync(resolve(ctx.io.cwd, source))
  } catch (error) {
    throw new CliError(`Can’t read ${named}: ${(error as Error).message}`)
  }
  const response = await send(ctx, IMPORT_PATH, {
    method: 'POST',
    headers: { 'content-type': EXPORT_CONTENT_TYPE },
    body: new Uint8Array(body),
    timeoutMs: IMPORT_TIMEOUT_MS,
  }).catch((error: unknown) => {
    // The server names the line; the person also needs to know which file it is in.
    if (error instanceof ApiError && error.code !== 'unreachable' && error.code !== 'unauthorized') {
      throw new ApiError(error.code, `${named}: ${error.message}`, error.detail)
    }
    throw error
  })
  const result = ImportResultSchema.parse(await response.json())
  if (options.json) ctx.out(JSON.stringify(result, null, 2))
  ctx.err(importSaid(result))
  for (const note of result.notes ?? []) ctx.err(note)
  return EXIT.ok
}

function importSaid(result: ImportResult): string {
  const types = ['job', 'schedule', 'watch', 'lane'] as const
  const tally = { job: result.jobs, schedule: result.schedules, watch: result.watches, lane: result.lanes }
  const added = types.filter((t) => tally[t].added > 0).map((t) => counted(t, tally[t].added))
  if (result.settings) added.push('the settings')
  const skipped = types.filter((t) => tally[t].skipped > 0).map((t) => counted(t, tally[t].skipped))
  return `Imported ${listed(added)}${skipped.length > 0 ? `; skipped ${listed(skipped)} already there` : ''}`
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks)
}
