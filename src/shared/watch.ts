import { z } from 'zod'
import { MAX_SETTLE_MS, MIN_SETTLE_MS } from './vocabulary'
import { JobIdSchema, LaneNameSchema, MAX_CONCURRENCY, PrioritySchema } from './job'

export { MAX_SETTLE_MS, MIN_SETTLE_MS }

/** What a watch is doing: looking through what is already there, watching, disabled, or waiting for its folder. */
export const WATCH_STATES = ['scanning', 'watching', 'disabled', 'missing', 'unreadable', 'not_a_folder'] as const
export type WatchState = (typeof WATCH_STATES)[number]

/** The placeholders a params template may hold, each filled from the file that arrived. */
export const TEMPLATE_FIELDS = ['path', 'name', 'dir'] as const
export type TemplateValues = Record<(typeof TEMPLATE_FIELDS)[number], string>

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g

export const WatchIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'Watch ids are 26-character ULIDs')

/** Absolute on POSIX or Windows; the contract is read in the renderer too, so no node:path here. */
export const AbsolutePathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), { message: 'Must be an absolute path' })

export const WatchFields = {
  /** The folder watched. */
  path: AbsolutePathSchema,
  /**
   * Which files count, matched against the path relative to the folder ("/" between parts).
   * A glob without "/" is matched against the file's name alone, so "*.pdf" takes PDFs in subfolders too
   * (when recursive); "invoices/*.pdf" only those in invoices/. Names starting with "." match only a glob that says so.
   */
  glob: z.string().min(1).max(500),
  /** Files in subfolders too, or only those directly in the folder. */
  recursive: z.boolean(),
  kind: z.string().min(1).max(100),
  /** The new job's params; in every string, {{path}}, {{name}} and {{dir}} become the file's path, name and folder. */
  paramsTemplate: z.record(z.string(), z.unknown()),
  priority: PrioritySchema,
  /** The lane its jobs run in; null: the kind's own lane, as for a job that names none. */
  lane: LaneNameSchema.nullable(),
  /** The slots each of its jobs takes; at most the concurrency setting, checked when the watch is saved. */
  slots: z.number().int().min(1).max(MAX_CONCURRENCY),
  /** A file is handed over once its size and modification time have stayed the same this long (a copy still going is left alone). */
  settleMs: z.number().int().min(MIN_SETTLE_MS).max(MAX_SETTLE_MS),
  enabled: z.boolean(),
}

/** Placeholders other than {{path}}, {{name}}, {{dir}}: a typo would otherwise reach every job as text. */
export function checkTemplate(input: { paramsTemplate?: Record<string, unknown> | undefined }, ctx: z.RefinementCtx): void {
  if (input.paramsTemplate === undefined) return
  for (const { path, name } of placeholdersIn(input.paramsTemplate, ['paramsTemplate'])) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', path, message: `Unknown placeholder {{${name}}}; use {{path}}, {{name}} or {{dir}}` })
    }
  }
}

export const NewWatchSchema = z
  .strictObject({
    ...WatchFields,
    glob: WatchFields.glob.default('*'),
    recursive: WatchFields.recursive.default(true),
    paramsTemplate: WatchFields.paramsTemplate.default({ path: '{{path}}' }),
    priority: WatchFields.priority.default('normal'),
    lane: WatchFields.lane.default(null),
    slots: WatchFields.slots.default(1),
    settleMs: WatchFields.settleMs.default(2000),
    enabled: WatchFields.enabled.default(true),
  })
  .superRefine(checkTemplate)
export type NewWatch = z.input<typeof NewWatchSchema>
export type ParsedNewWatch = z.output<typeof NewWatchSchema>

/** What is given changes. */
export const WatchUpdateSchema = z
  .strictObject({
    id: WatchIdSchema,
    path: WatchFields.path.optional(),
    glob: WatchFields.glob.optional(),
    recursive: WatchFields.recursive.optional(),
    kind: WatchFields.kind.optional(),
    paramsTemplate: WatchFields.paramsTemplate.optional(),
    priority: WatchFields.priority.optional(),
    lane: WatchFields.lane.optional(),
    slots: WatchFields.slots.optional(),
    settleMs: WatchFields.settleMs.optional(),
    enabled: WatchFields.enabled.optional(),
  })
  .superRefine(checkTemplate)
export type WatchUpdate = z.output<typeof WatchUpdateSchema>

export const WatchSchema = z.object({
  id: z.string(),
  ...WatchFields,
  createdAt: z.string(),
  state: z.enum(WATCH_STATES),
  /** For a person: why the watch is not watching, or what it is doing; null while all is well. */
  stateMessage: z.string().nullable(),
  /** Files seen and waiting to stay still for settleMs. */
  pendingFiles: z.number().int(),
  /** Files present in the folder that were handed over as jobs. */
  handedOver: z.number().int(),
  lastFileAt: z.string().nullable(),
  lastJobId: JobIdSchema.nullable(),
  /** The latest file that settled but made no job (its params failed the kind's check, say), and why. */
  lastSkipped: z.object({ path: z.string(), message: z.string(), at: z.string() }).nullable(),
})
export type Watch = z.infer<typeof WatchSchema>

/** A copy of the template with every placeholder in every string filled in. */
export function expandTemplate(template: Record<string, unknown>, values: TemplateValues): Record<string, unknown> {
  return expand(template, values) as Record<string, unknown>
}

function expand(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string')
    return value.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? values[name as keyof TemplateValues] : whole))
  if (Array.isArray(value)) return value.map((item) => expand(item, values))
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, values)]))
  return value
}

function* placeholdersIn(value: unknown, path: (string | number)[]): Generator<{ path: (string | number)[]; name: string }> {
  if (typeof value === 'string') for (const match of value.matchAll(PLACEHOLDER)) yield { path, name: match[1]! }
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* placeholdersIn(item, [...path, i])
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* placeholdersIn(v, [...path, k])
}
