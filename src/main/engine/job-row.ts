import { DEFAULT_LANE, MAX_DELAY_MS, type ParsedNewJob } from '../../shared/job'
import { ApiError, describeIssues } from '../../shared/errors'
import { askKind, type KindRegistry } from '../kinds/registry'
import type { JobInsert } from './job-store'

/** As long as a name given by hand may be (the contract's limit). */
const MAX_NAME_LENGTH = 200

export interface JobRowOptions {
  defaultMaxAttempts: number
  backoffBaseMs: number
  backoffCapMs: number
  /** Largest accepted params, as JSON. */
  maxParamsBytes: number
}

export interface JobRowDeps {
  kinds: KindRegistry
  options: JobRowOptions
  /** The concurrency setting, asked only of a job that wants more than one slot. */
  concurrency: () => number
  nextId: (now: number) => string
}

/**
 * A new job checked as only the kinds can check it (its params), made into
 * the row to store: whichever backend keeps it, a job is the same job.
 */
export function makeJobRow(input: ParsedNewJob, now: number, { kinds, options, concurrency, nextId }: JobRowDeps): JobInsert {
  const loaded = kinds.get(input.kind)
  if (!loaded) {
    throw new ApiError('unknown_kind', `No job kind "${input.kind}"; known kinds: ${kinds.names().join(', ')}`)
  }
  const parsed = loaded.kind.params.safeParse(input.params)
  if (!parsed.success) {
    const { message, detail } = describeIssues(parsed.error.issues)
    throw new ApiError('invalid_params', `Invalid params for "${input.kind}": ${message}`, detail)
  }
  const slots = input.slots ?? 1
  const limit = slots > 1 ? concurrency() : slots
  if (slots > limit) {
    const message = `${slots} slots is more than the ${limit} jobs Offload runs at once (the concurrency setting)`
    throw new ApiError('invalid_input', `slots: ${message}`, [{ path: 'slots', message }])
  }
  const params: unknown = parsed.data ?? {}
  const paramsJson = JSON.stringify(params)
  const size = Buffer.byteLength(paramsJson)
  if (size > options.maxParamsBytes) {
    throw new ApiError('invalid_params', `Params are ${size} bytes; the limit is ${options.maxParamsBytes}`)
  }
  return {
    id: nextId(now),
    kind: input.kind,
    name: input.name ?? askKind(loaded.kind.jobName, params, MAX_NAME_LENGTH) ?? input.kind,
    paramsJson,
    priority: input.priority,
    maxAttempts: input.maxAttempts ?? options.defaultMaxAttempts,
    timeoutMs: input.timeoutMs ?? null,
    maxMemoryMb: input.maxMemoryMb ?? null,
    backoffBaseMs: options.backoffBaseMs,
    backoffCapMs: options.backoffCapMs,
    createdAt: now,
    runAfter: dueAt(input, now),
    lane: input.lane ?? loaded.kind.lane ?? DEFAULT_LANE,
    slots,
    hold: input.hold === true,
    after: input.after,
    onDependencyFailure: input.onDependencyFailure,
    key: input.key === undefined ? undefined : { value: input.key, mode: input.keyMode ?? 'dedupe', debounceMs: input.debounceMs, maxWaitMs: input.maxWaitMs },
  }
}

/** When a new job is due: runAt or delayMs from now (the contract allows one at most); a time past is now. */
function dueAt(input: ParsedNewJob, now: number): number {
  if (input.delayMs !== undefined) return now + input.delayMs
  if (input.runAt === undefined) return now
  const at = Date.parse(input.runAt)
  if (at - now > MAX_DELAY_MS)
    throw new ApiError('invalid_input', `runAt: ${input.runAt} is more than a year away`, [{ path: 'runAt', message: 'More than a year away' }])
  return Math.max(now, at)
}
