import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { z } from 'zod'
import { KindBoundSchema, LaneNameSchema, MAX_MEMORY_MB, MemoryLimitSchema, MIN_MEMORY_MB, type KindInfo, type KindLoadError } from '../../shared/job'
import { BUILTIN_KINDS } from './builtin'
import type { JobKind } from './kind'

export interface LoadedKind {
  kind: JobKind
  source: 'builtin' | 'custom'
  file?: string
}

export interface KindRegistry {
  get(name: string): LoadedKind | undefined
  names(): string[]
  describe(): KindInfo[]
  readonly errors: readonly KindLoadError[]
}

const KIND_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/
const CUSTOM_EXTENSIONS = ['.js', '.mjs', '.cjs']

const AnyParams = z.record(z.string(), z.unknown())

/**
 * A custom kind's `params` may be a zod schema, a function that builds one
 * from the `z` it is given (a plain .js file in the data folder cannot import
 * our zod), or absent (any object is accepted).
 */
function resolveParams(params: unknown): z.ZodType {
  if (params === undefined) return AnyParams
  const schema = typeof params === 'function' ? (params as (zod: typeof z) => unknown)(z) : params
  if (schema && typeof (schema as z.ZodType).safeParse === 'function') return schema as z.ZodType
  throw new Error('"params" must be a zod schema or a function (z) => schema')
}

function asKind(exported: Record<string, unknown>): JobKind {
  const candidate = (exported.default ?? exported) as Record<string, unknown>
  const name = candidate.name
  if (typeof name !== 'string' || !KIND_NAME.test(name)) {
    throw new Error('"name" must be a lowercase name like "resize-images" (letters, digits, ".", "_", "-")')
  }
  if (typeof candidate.run !== 'function') throw new Error('"run" must be a function (params, ctx) => result')
  for (const hook of ['jobName', 'summary'] as const) {
    if (candidate[hook] !== undefined && typeof candidate[hook] !== 'function') throw new Error(`"${hook}" must be a function when given`)
  }
  const lane = candidate.lane
  if (lane !== undefined && (typeof lane !== 'string' || !LaneNameSchema.safeParse(lane).success)) {
    throw new Error('"lane" must be a lowercase name like "encode" (letters, digits, ".", "_", "-") when given')
  }
  const bound = candidate.bound
  if (bound !== undefined && !KindBoundSchema.safeParse(bound).success) throw new Error('"bound" must be "cpu" or "io" when given')
  const maxMemoryMb = candidate.maxMemoryMb
  if (maxMemoryMb !== undefined && !MemoryLimitSchema.safeParse(maxMemoryMb).success) {
    throw new Error(`"maxMemoryMb" must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} when given`)
  }
  return {
    name,
    ...(lane === undefined ? {} : { lane }),
    ...(bound === undefined ? {} : { bound: bound as NonNullable<JobKind['bound']> }),
    ...(maxMemoryMb === undefined ? {} : { maxMemoryMb: maxMemoryMb as number }),
    description: typeof candidate.description === 'string' ? candidate.description : '',
    params: resolveParams(candidate.params),
    run: candidate.run as JobKind['run'],
    ...(candidate.jobName ? { jobName: candidate.jobName as NonNullable<JobKind['jobName']> } : {}),
    ...(candidate.summary ? { summary: candidate.summary as NonNullable<JobKind['summary']> } : {}),
  }
}

/** What a kind's hook says, cut to a sane length; a hook that throws or answers oddly says nothing. */
export function askKind<T>(hook: ((value: T) => unknown) | undefined, value: T, maxLength: number): string | null {
  if (!hook) return null
  try {
    const said = hook(value)
    return typeof said === 'string' && said.trim() !== '' ? said.slice(0, maxLength) : null
  } catch {
    return null
  }
}

function jsonSchemaOf(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
  } catch {
    return {}
  }
}

/**
 * Built-in kinds plus every module in `customDir`. A module that fails to
 * load is reported in `errors`; the others still load.
 */
export async function loadKinds(customDir?: string): Promise<KindRegistry> {
  const kinds = new Map<string, LoadedKind>()
  const errors: KindLoadError[] = []
  for (const kind of BUILTIN_KINDS) kinds.set(kind.name, { kind, source: 'builtin' })

  let files: string[] = []
  if (customDir) {
    try {
      files = (await readdir(customDir)).filter((f) => CUSTOM_EXTENSIONS.some((ext) => f.endsWith(ext))).sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') errors.push({ file: customDir, message: (error as Error).message })
    }
  }
  for (const file of files) {
    const path = join(customDir!, file)
    try {
      const kind = asKind((await import(pathToFileURL(path).href)) as Record<string, unknown>)
      const existing = kinds.get(kind.name)
      if (existing) {
        throw new Error(`kind "${kind.name}" is already defined by ${existing.file ?? 'Offload'}`)
      }
      kinds.set(kind.name, { kind, source: 'custom', file: path })
    } catch (error) {
      errors.push({ file: path, message: error instanceof Error ? error.message : String(error) })
    }
  }

  return {
    get: (name) => kinds.get(name),
    names: () => [...kinds.keys()].sort(),
    describe: () =>
      [...kinds.values()].map(({ kind, source }) => ({
        name: kind.name,
        description: kind.description,
        source,
        bound: kind.bound ?? 'cpu',
        paramsSchema: jsonSchemaOf(kind.params),
      })),
    errors,
  }
}
