import { describe, expect, it } from 'vitest'
import { describeProgress, durationFromLine, progressReader, type ProgressBlock } from '../../src/main/kinds/transcode/ffmpeg-progress'

const read = (text: string): ProgressBlock[] => {
  const blocks: ProgressBlock[] = []
  const feed = progressReader((b) => blocks.push(b))
  for (const line of text.split('\n')) feed(line)
  return blocks
}

describe('ffmpeg progress', () => {
  it('reads blocks of -progress output, with out_time_us or the older out_time_ms (also microseconds)', () => {
    expect(read('frame=10\nout_time_us=72000000\nspeed=2.13x\nprogress=continue\nout_time_ms=300000000\nspeed=N/A\nprogress=end')).toEqual([
      { outSeconds: 72, speed: 2.13, end: false },
      { outSeconds: 300, speed: null, end: true },
    ])
    expect(read('out_time_us=N/A\nprogress=continue')).toEqual([{ outSeconds: null, speed: null, end: false }])
  })

  it('says how far it is against the length, or without it how much is done', () => {
    expect(describeProgress({ outSeconds: 72, speed: 2.13, end: false }, 300)).toEqual({ fraction: 0.24, message: '00:01:12 of 00:05:00 · 2.1× speed' })
    expect(describeProgress({ outSeconds: 3725, speed: null, end: false }, null)).toEqual({ fraction: null, message: '01:02:05 done' })
  })

  it("reads the input's length from ffmpeg's Duration line", () => {
    expect(durationFromLine('  Duration: 00:05:00.04, start: 0.000000, bitrate: 1205 kb/s')).toBeCloseTo(300.04)
    expect(durationFromLine('  Duration: N/A, start: 0.000000, bitrate: N/A')).toBeNull()
    expect(durationFromLine('Stream #0:0: Video: h264')).toBeNull()
  })
})
