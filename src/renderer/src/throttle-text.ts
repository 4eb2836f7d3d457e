import type { Throttle, ThrottleReason } from '../../shared/job'

const REASONS: Record<ThrottleReason, { short: string; long: string }> = {
  battery: { short: 'on battery', long: 'Fewer jobs start while the computer runs on battery (Settings → Jobs at once on battery).' },
  memory_low: { short: 'memory low', long: 'No new job starts until more memory is free; running jobs go on (Settings → The machine).' },
  machine_busy: { short: 'machine busy', long: 'Fewer jobs start while other programs keep the computer busy (Settings → The machine).' },
  user_active: { short: 'you’re using the computer', long: 'Fewer jobs start while you are using the computer (Settings → The machine).' },
}

/** The header's "2 of 4: on battery", with a longer word for the tooltip, or null while nothing holds the limit below the setting. */
export function throttleText(throttle: Throttle | undefined, concurrency: number | undefined): { text: string; label: string; title: string } | null {
  if (!throttle?.reason || concurrency === undefined || throttle.limit >= concurrency) return null
  const reason = REASONS[throttle.reason]
  const text = `${throttle.limit} of ${concurrency}: ${reason.short}`
  return { text, label: `Jobs at once held at ${throttle.limit} of ${concurrency}: ${reason.short}`, title: reason.long }
}
