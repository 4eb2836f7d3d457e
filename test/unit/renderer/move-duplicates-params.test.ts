import { describe, expect, it } from 'vitest'
import type { Job } from '../../../src/shared/job'
import { extraCopies, foundDuplicates, moveDuplicatesParams } from '../../../src/renderer/src/move-duplicates-params'

const HASH_A = 'a'.repeat(64)
const HASH_B = 'b'.repeat(64)

const job = (patch: Partial<Job>): Job =>
  ({
    id: '01JBCDEFGHJKMNPQRSTVWXYZ00',
    kind: 'find-duplicates',
    status: 'succeeded',
    params: { folder: '/photos' },
    result: {
      folder: '/photos',
      groups: [
        { hash: HASH_A, size: 1000, paths: ['a.jpg', 'old/a.jpg', 'x/a.jpg'] },
        { hash: HASH_B, size: 10, paths: ['b.txt', 'c.txt'] },
      ],
    },
    ...patch,
  }) as Job

describe('moving the extra copies a find-duplicates job found', () => {
  it('makes the move-duplicates params from the result: folder, destination, choice, and every group with its hash and size', () => {
    expect(moveDuplicatesParams(job({}), '  /spare/dups ', 'oldest')).toEqual({
      folder: '/photos',
      to: '/spare/dups',
      keep: 'oldest',
      groups: [
        { paths: ['a.jpg', 'old/a.jpg', 'x/a.jpg'], hash: HASH_A, size: 1000 },
        { paths: ['b.txt', 'c.txt'], hash: HASH_B, size: 10 },
      ],
    })
    expect(extraCopies(foundDuplicates(job({}))!.groups)).toEqual({ files: 3, bytes: 2010 })
  })

  it('offers nothing for another kind, an unfinished job, a result with no groups, or a malformed one', () => {
    expect(foundDuplicates(job({ kind: 'hash-files' }))).toBeNull()
    expect(foundDuplicates(job({ status: 'running' }))).toBeNull()
    expect(foundDuplicates(job({ result: { folder: '/photos', groups: [] } }))).toBeNull()
    expect(foundDuplicates(job({ result: { groups: [{ hash: HASH_A, size: 1, paths: ['only-one'] }, 'junk'] } }))).toBeNull()
    expect(moveDuplicatesParams(job({ result: null }), '/spare', 'first')).toBeNull()
  })
})
