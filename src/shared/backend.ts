import { z } from 'zod'

/**
 * What a queue's backend may or may not do. The embedded SQLite engine does
 * all of it; another backend says which it lacks, and a request that needs
 * one of those is refused with an `unsupported` error naming it.
 */
export const BACKEND_FEATURES = [
  /** Per-lane limits and pauses (lanes themselves always route jobs). */
  'laneLimits',
  'dependencies',
  'schedules',
  'watches',
  /** Dedupe, replace and debounce keys. */
  'keys',
  'hold',
  /** Jobs that take more than one slot. */
  'slots',
  /** Each attempt's record: start, end, exit code, worker. */
  'attempts',
  'search',
  'settings',
  'statsReport',
] as const
export const BackendFeatureSchema = z.enum(BACKEND_FEATURES)
export type BackendFeature = z.infer<typeof BackendFeatureSchema>
export type Capabilities = Record<BackendFeature, boolean>

export const BACKEND_NAMES = ['sqlite', 'bullmq'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

/** A machine taking jobs from the queue, as it last said. */
export const WorkerHostSchema = z.object({
  id: z.string(),
  machine: z.string(),
  pid: z.number().int(),
  lanes: z.array(z.string()),
  concurrency: z.number().int(),
  running: z.number().int(),
  seenAt: z.string(),
})
export type WorkerHost = z.infer<typeof WorkerHostSchema>

export const BackendInfoSchema = z.object({
  name: z.enum(BACKEND_NAMES),
  /** The data folder, or the Redis server (never its password). */
  location: z.string(),
  capabilities: z.record(BackendFeatureSchema, z.boolean()),
  workers: z.array(WorkerHostSchema),
})
export type BackendInfo = z.infer<typeof BackendInfoSchema>
