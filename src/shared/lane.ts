import { z } from 'zod'
import { LaneNameSchema, MAX_CONCURRENCY } from './job'

/** A lane as its settings and its jobs make it. */
export const LaneSchema = z.object({
  name: z.string(),
  /** Slots its jobs may take at once, inside the global limit; null: only the global limit. */
  concurrency: z.number().int().nullable(),
  /** Nothing new of this lane starts; what runs goes on. */
  paused: z.boolean(),
  queued: z.number().int(),
  running: z.number().int(),
  /** Slots its running jobs take (a job may take several). */
  slotsInUse: z.number().int(),
})
export type Lane = z.infer<typeof LaneSchema>

export const LaneByName = z.strictObject({ name: LaneNameSchema })

export const LaneUpdateSchema = z.strictObject({
  name: LaneNameSchema,
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).nullable().optional(),
  paused: z.boolean().optional(),
})
export type LaneUpdate = z.output<typeof LaneUpdateSchema>

/** What the scheduler needs of a lane; a lane with no row of its own is open and unlimited. */
export interface LanePolicy {
  concurrency: number | null
  paused: boolean
}
