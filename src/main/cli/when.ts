/**
 * `--at` as people write it: "14:30" (today, or tomorrow once it has
 * passed), "2026-12-24 18:00" or "2026-12-24T18:00" on this machine's clock,
 * or a full ISO instant with its offset. Null when it is none of these.
 */
export function parseAt(text: string, now: Date): Date | null {
  const trimmed = text.trim()
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(trimmed)
  if (clock) {
    const [hours, minutes, seconds] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)]
    if (hours > 23 || minutes > 59 || seconds > 59) return null
    const at = new Date(now)
    at.setHours(hours, minutes, seconds, 0)
    if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1)
    return at
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(trimmed)
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number, number, number]
    const at = new Date(y, mo - 1, d, h, mi, s)
    // Date rolls 31 February over into March: a date that changed is no date.
    return at.getFullYear() === y && at.getMonth() === mo - 1 && at.getDate() === d && at.getHours() === h && at.getMinutes() === mi ? at : null
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    const at = new Date(trimmed)
    return Number.isNaN(at.getTime()) ? null : at
  }
  return null
}
