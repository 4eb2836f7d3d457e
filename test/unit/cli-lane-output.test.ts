import { describe, expect, it } from 'vitest'
import { laneDetail, laneTable, limitText, paintLaneState, placement, stateText } from '../../src/main/cli/lane-output'
import type { Lane } from '../../src/shared/lane'

const lane = (over: Partial<Lane>): Lane => ({ name: 'default', concurrency: null, paused: false, queued: 0, running: 0, slotsInUse: 0, ...over })

const lanes: Lane[] = [
  lane({ queued: 1200, running: 3, slotsInUse: 3 }),
  lane({ name: 'encode', concurrency: 2, paused: true, queued: 5, running: 1, slotsInUse: 2 }),
  lane({ name: 'a-lane-with-a-rather-long-name', concurrency: 12 }),
]

describe('lanes on the command line', () => {
  it('says a lane’s limit, "—" when it has none of its own, and whether it is paused', () => {
    expect([limitText(lanes[0]!), limitText(lanes[1]!)]).toEqual(['—', '2'])
    expect([stateText(lanes[0]!), stateText(lanes[1]!)]).toEqual(['open', 'paused'])
  })

  it('lists the lanes as a table, the numbers right-aligned', () => {
    expect(laneTable(lanes, { columns: 120, colour: false })).toBe(
      [
        'LANE                           LIMIT STATE  RUNNING QUEUED IN USE',
        'default                            — open         3  1,200      3',
        'encode                             2 paused       1      5      2',
        'a-lane-with-a-rather-long-name    12 open         0      0      0',
      ].join('\n'),
    )
  })

  it('cuts a long name before anything else, and cuts each line at the edge when even that is not enough', () => {
    expect(laneTable(lanes, { columns: 50, colour: false })).toBe(
      [
        'LANE            LIMIT STATE  RUNNING QUEUED IN USE',
        'default             — open         3  1,200      3',
        'encode              2 paused       1      5      2',
        'a-lane-with-a-…    12 open         0      0      0',
      ].join('\n'),
    )
    const narrow = laneTable(lanes, { columns: 30, colour: true }).split('\n')
    expect(narrow).toEqual([
      'LANE     LIMIT STATE  RUNNING…',
      'default      — open         3…',
      'encode       2 paused       1…',
      'a-lane-…    12 open         0…',
    ])
  })

  it('paints a paused lane’s state, only in colour, and never an open one', () => {
    const table = laneTable(lanes, { columns: 120, colour: true }).split('\n')
    expect(table[2]).toBe('encode                             2 \x1b[33mpaused\x1b[0m       1      5      2')
    expect(table[1]).toBe('default                            — open         3  1,200      3')
    expect(paintLaneState(lanes[1]!, 'paused', false)).toBe('paused')
  })

  it('shows a lane in full, its limit and state in words', () => {
    expect(laneDetail(lanes[1]!, { colour: false })).toBe(
      [
        'encode',
        '  limit:   2 slots at once, inside the global limit',
        '  state:   paused: nothing new in it starts; what runs goes on',
        '  running: 1 job, taking 2 slots',
        '  queued:  5 jobs',
      ].join('\n'),
    )
    expect(laneDetail(lane({ concurrency: 1, queued: 1, slotsInUse: 1, running: 1 }), { colour: false })).toBe(
      ['default', '  limit:   1 slot at once, inside the global limit', '  state:   open', '  running: 1 job, taking 1 slot', '  queued:  1 job'].join('\n'),
    )
    expect(laneDetail(lane({}), { colour: true }).split('\n')[1]).toBe('  limit:   none of its own; only the global limit holds')
    expect(laneDetail(lanes[1]!, { colour: true }).split('\n')[2]).toBe('  state:   \x1b[33mpaused: nothing new in it starts; what runs goes on\x1b[0m')
  })

  it('says where a new job runs only when it is not one slot of the default lane', () => {
    expect(placement({ lane: 'default', slots: 1 })).toBe('')
    expect(placement({ lane: 'encode', slots: 1 })).toBe(' in lane encode')
    expect(placement({ lane: 'encode', slots: 4 })).toBe(' in lane encode, taking 4 slots')
    expect(placement({ lane: 'default', slots: 2 })).toBe(', taking 2 slots')
  })
})
