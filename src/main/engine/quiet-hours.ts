import { hoursState, localTimeZone } from '../../shared/active-hours'
import type { QuietState, Settings } from '../../shared/job'

/** What the active hours allow at one moment. */
export interface HoursVerdict {
  /** Nothing new may start. */
  closed: boolean
  /** Kinds that may not start (when the rest may). */
  closedKinds: string[]
  /** The soonest moment any of this changes; null: not within a week. */
  changesAt: number | null
  /** For stats, less the count of held jobs, which the engine knows. */
  state: Omit<QuietState, 'held'>
}

/**
 * The settings' active hours read at the engine's clock. A verdict holds
 * until the next edge, so dispatch (many commits a second) pays for croner
 * only when the hours or the settings change.
 */
export class QuietHours {
  private cached: { from: number; verdict: HoursVerdict } | undefined

  constructor(private readonly settings: () => Settings) {}

  invalidate(): void {
    this.cached = undefined
  }

  at(now: number): HoursVerdict {
    const cached = this.cached
    // A clock set back lands before the verdict's start: read the hours again.
    if (cached && now >= cached.from && (cached.verdict.changesAt === null || now < cached.verdict.changesAt)) return cached.verdict
    const verdict = this.read(now)
    this.cached = { from: now, verdict }
    return verdict
  }

  private read(now: number): HoursVerdict {
    const { activeHours, kindActiveHours, hoursTimeZone } = this.settings()
    const timezone = hoursTimeZone ?? localTimeZone()
    const overall = hoursState(activeHours, timezone, now)
    let changesAt = overall.changesAt
    const kinds: QuietState['kinds'] = []
    for (const [kind, hours] of Object.entries(kindActiveHours)) {
      const state = hoursState(hours, timezone, now)
      if (state.changesAt !== null) changesAt = Math.min(changesAt ?? Infinity, state.changesAt)
      if (!state.open) kinds.push({ kind, until: iso(state.changesAt) })
    }
    return {
      closed: !overall.open,
      closedKinds: kinds.map((k) => k.kind),
      changesAt,
      state: { quiet: !overall.open, until: iso(overall.changesAt), kinds },
    }
  }
}

const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString())
