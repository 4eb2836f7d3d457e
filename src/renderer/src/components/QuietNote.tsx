import { quietText } from '../quiet-text'
import { useApp } from '../state/app-store'
import { useNow } from '../use-now'

/** "Quiet until 23:00" in the header while quiet hours keep jobs from starting. */
export function QuietNote() {
  const hours = useApp((s) => s.stats?.hours)
  const text = quietText(hours, useNow(false))
  if (!text) return null
  return (
    <span className="quiet-note" role="status" title="Quiet hours: new jobs wait until they end (Settings → Quiet hours)">
      {text}
    </span>
  )
}
