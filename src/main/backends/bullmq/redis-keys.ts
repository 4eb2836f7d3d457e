/** The keys Offload keeps in Redis beside BullMQ's own queues (one per lane, see queueName). */
export const KEYS = {
  /** Every lane a job was sent to: the queues there are. */
  lanes: 'offload:lanes',
  /**
   * Jobs that ended outside any queue, by status (id → JobRecord as JSON, the
   * shape an export holds): cancelled before they ran, or imported finished.
   */
  ended: { succeeded: 'offload:ended:succeeded', failed: 'offload:ended:failed', cancelled: 'offload:ended:cancelled' },
  /** Running jobs asked to stop; a worker host that starts one of them ends it at once. */
  cancelling: 'offload:cancelling',
  /** Jobs that were running when cancelled: BullMQ keeps them as failed, Offload counts them as cancelled. */
  cancelledRuns: 'offload:cancelled-runs',
  /** Worker hosts, each as it last said (id → WorkerHost as JSON). */
  workers: 'offload:workers',
  /** Pub/sub: the id of a job to stop, for whichever host runs it. */
  cancelChannel: 'offload:cancel',
} as const

export type EndedStatus = keyof typeof KEYS.ended
export const ENDED_STATUSES = Object.keys(KEYS.ended) as EndedStatus[]

/** A worker host is listed while it said something this recently (it says so every second or two). */
export const WORKER_SEEN_MS = 10_000
export const WORKER_BEAT_MS = 2_000
