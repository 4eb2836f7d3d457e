import type { StorageHealth } from '../../shared/job'

type Trouble = Exclude<StorageHealth['status'], 'ok'>

/** A few words for the tray's tooltip. */
export const STORAGE_TROUBLE_LABEL: Record<Trouble, string> = {
  full: 'Disk full',
  readonly: 'Cannot save',
  corrupt: 'Database damaged',
  unavailable: 'Cannot reach its database',
}

export interface StorageNotice {
  title: string
  body: string
}

/**
 * What to tell the user when the database's health changes: trouble
 * beginning (or changing kind) and trouble ending. Nothing while it stays
 * as it was, however often stats arrive.
 */
export function storageNotice(previous: StorageHealth['status'], next: StorageHealth): StorageNotice | undefined {
  if (next.status === previous) return undefined
  if (next.status === 'ok') return { title: 'Offload is saving again', body: 'Jobs start again.' }
  return { title: `Offload: ${STORAGE_TROUBLE_LABEL[next.status].toLowerCase()}`, body: next.message ?? '' }
}
