import { describe, expect, it } from 'vitest'
import { describeBulk } from '../../../src/renderer/src/bulk-text'

const ID = '01JBCDEFGHJKMNPQRSTVWXYZ00'
const OTHER = '01JBCDEFGHJKMNPQRSTVWXYZ01'

describe('the message after a bulk action', () => {
  it('counts what was done', () => {
    expect(describeBulk('Retried', { changed: [ID], changedCount: 3000, failed: [], failedCount: 0 })).toBe('Retried 3,000 jobs')
    expect(describeBulk('Removed', { changed: [ID], changedCount: 1, failed: [], failedCount: 0 })).toBe('Removed 1 job')
  })

  it('names the jobs that were not done, and why, then counts the rest', () => {
    const result = {
      changed: [],
      changedCount: 2,
      failed: [
        { id: ID, name: 'Nightly backup', code: 'wrong_state', message: `Job ${ID} is running; cancel it before removing it` },
        { id: OTHER, name: null, code: 'not_found', message: `Job ${OTHER} does not exist` },
      ],
      failedCount: 7,
    }
    expect(describeBulk('Removed', result)).toBe(
      `Removed 2 jobs; 7 not: “Nightly backup” is running; cancel it before removing it; Job ${OTHER} does not exist; and 5 more.`,
    )
  })
})
