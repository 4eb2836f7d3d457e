import { describe, expect, it } from 'vitest'
import { throttleText } from '../../../src/renderer/src/throttle-text'

describe('the throttle note', () => {
  it('says how many of the setting may run, and why', () => {
    expect(throttleText({ limit: 2, reason: 'battery' }, 4)?.text).toBe('2 of 4: on battery')
    expect(throttleText({ limit: 0, reason: 'memory_low' }, 4)?.text).toBe('0 of 4: memory low')
    expect(throttleText({ limit: 1, reason: 'machine_busy' }, 4)?.text).toBe('1 of 4: machine busy')
    expect(throttleText({ limit: 2, reason: 'user_active' }, 4)).toMatchObject({
      text: '2 of 4: you’re using the computer',
      label: 'Jobs at once held at 2 of 4: you’re using the computer',
    })
  })

  it('says nothing while unthrottled, or before the settings are known', () => {
    expect(throttleText({ limit: 4, reason: null }, 4)).toBeNull()
    expect(throttleText({ limit: 2, reason: 'battery' }, undefined)).toBeNull()
    expect(throttleText(undefined, 4)).toBeNull()
    // A stats event ahead of the settings event that raised the setting: the stale reason no longer holds anything back.
    expect(throttleText({ limit: 4, reason: 'battery' }, 4)).toBeNull()
  })
})
