/** ffmpeg's `-progress` output: blocks of key=value lines, each closed by `progress=continue` or `progress=end`. */
export interface ProgressBlock {
  /** How far into the input the output has got, in seconds; null when ffmpeg does not know yet ("N/A"). */
  outSeconds: number | null
  /** Encoding speed as a multiple of real time; null when unknown. */
  speed: number | null
  end: boolean
}

/** Feeds lines; calls `onBlock` at the end of each block. */
export function progressReader(onBlock: (block: ProgressBlock) => void): (line: string) => void {
  let fields = new Map<string, string>()
  return (line) => {
    const at = line.indexOf('=')
    if (at < 0) return
    const key = line.slice(0, at).trim()
    const value = line.slice(at + 1).trim()
    if (key !== 'progress') {
      fields.set(key, value)
      return
    }
    // out_time_ms is microseconds too (an old ffmpeg misnomer); out_time_us is the newer name.
    const micros = Number(fields.get('out_time_us') ?? fields.get('out_time_ms'))
    const speed = Number.parseFloat(fields.get('speed') ?? '')
    onBlock({ outSeconds: Number.isFinite(micros) && micros >= 0 ? micros / 1e6 : null, speed: Number.isFinite(speed) ? speed : null, end: value === 'end' })
    fields = new Map()
  }
}

/** The input's length from a "  Duration: 00:05:00.04, start: …" line on ffmpeg's stderr, in seconds. */
export function durationFromLine(line: string): number | null {
  const match = /^\s*Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line)
  if (!match) return null
  const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3])
  return seconds > 0 ? seconds : null
}

export const clockText = (seconds: number): string => {
  const s = Math.max(0, Math.floor(seconds))
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':')
}

/** "00:01:12 of 00:05:00 · 2.1× speed", and the fraction done when the length is known. */
export function describeProgress(block: ProgressBlock, duration: number | null): { fraction: number | null; message: string } {
  const at = block.outSeconds ?? 0
  const speed = block.speed === null ? '' : ` · ${block.speed.toFixed(1)}× speed`
  if (duration === null) return { fraction: null, message: `${clockText(at)} done${speed}` }
  return { fraction: Math.min(1, at / duration), message: `${clockText(at)} of ${clockText(duration)}${speed}` }
}
