import { useId, useState } from 'react'
import { isTimeZone } from '../../../shared/cron'
import type { ActiveHours, HoursWindow } from '../../../shared/active-hours'
import { WEEKDAY_NAMES } from '../../../shared/vocabulary'
import type { Settings } from '../../../shared/job'
import { useApp } from '../state/app-store'

const FIRST_WINDOW: HoursWindow = { from: '23:00', to: '07:00' }
const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6]

/** Quiet hours: when new jobs may start, overall and for some kinds, and what happens to running ones. */
export function QuietHoursSetting({ settings, update }: { settings: Settings; update: (patch: Partial<Settings>) => void }) {
  const kinds = useApp((s) => s.kinds)
  const own = settings.kindActiveHours
  const free = kinds.map((k) => k.name).filter((name) => !(name in own))
  const setKind = (kind: string, hours: ActiveHours | null): void => {
    const next = { ...own }
    if (hours) next[kind] = hours
    else delete next[kind]
    update({ kindActiveHours: next })
  }
  return (
    <fieldset className="quiet-hours">
      <legend>Quiet hours</legend>
      <HoursEditor label="New jobs start" hours={settings.activeHours} onChange={(activeHours) => update({ activeHours })} />
      {Object.entries(own).map(([kind, hours]) => (
        <div className="kind-hours" key={kind}>
          <HoursEditor label={`${kind} jobs start`} hours={hours} onChange={(next) => setKind(kind, next)} />
        </div>
      ))}
      {free.length > 0 && (
        <label className="field">
          <span>Hours of its own for a kind</span>
          <select
            value=""
            onChange={(e) => e.target.value && setKind(e.target.value, { rule: 'only', windows: [FIRST_WINDOW] })}
            aria-describedby="kind-hours-help"
          >
            <option value="">Choose a kind…</option>
            {free.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <small id="kind-hours-help">A kind starts only when both its own hours and the hours above allow it.</small>
        </label>
      )}
      <label className="field">
        <span>When quiet hours begin</span>
        <select value={settings.quietRunning} onChange={(e) => update({ quietRunning: e.target.value as Settings['quietRunning'] })}>
          <option value="continue">Running jobs go on to the end</option>
          <option value="suspend">Running jobs are paused until the hours end</option>
        </select>
      </label>
      <TimeZoneField value={settings.hoursTimeZone} onCommit={(hoursTimeZone) => update({ hoursTimeZone })} />
    </fieldset>
  )
}

type Rule = ActiveHours['rule'] | 'any'

function HoursEditor({ label, hours, onChange }: { label: string; hours: ActiveHours | null; onChange: (hours: ActiveHours | null) => void }) {
  const rule: Rule = hours?.rule ?? 'any'
  const windows = hours?.windows ?? []
  const setRule = (next: Rule): void => onChange(next === 'any' ? null : { rule: next, windows: windows.length > 0 ? windows : [FIRST_WINDOW] })
  const setWindows = (next: HoursWindow[]): void => onChange(next.length === 0 ? null : { rule: hours?.rule ?? 'only', windows: next })
  const setWindow = (at: number, patch: Partial<HoursWindow>): void => setWindows(windows.map((w, i) => (i === at ? { ...w, ...patch } : w)))
  return (
    <div className="hours-editor">
      <label className="field">
        <span>{label}</span>
        <select value={rule} onChange={(e) => setRule(e.target.value as Rule)}>
          <option value="any">at any time</option>
          <option value="only">only during these hours</option>
          <option value="never">never during these hours</option>
        </select>
      </label>
      {windows.map((window, at) => (
        <WindowRow
          key={at}
          window={window}
          onChange={(patch) => setWindow(at, patch)}
          onRemove={() => setWindows(windows.filter((_, i) => i !== at))}
          label={`${label}, hours ${at + 1}`}
        />
      ))}
      {hours && (
        <button type="button" className="link" onClick={() => setWindows([...windows, { from: '09:00', to: '17:00' }])}>
          Add hours
        </button>
      )}
    </div>
  )
}

function WindowRow(props: { window: HoursWindow; label: string; onChange: (patch: Partial<HoursWindow>) => void; onRemove: () => void }) {
  const { window, label, onChange, onRemove } = props
  const days = window.days ?? ALL_DAYS
  const toggle = (day: number, on: boolean): void => {
    const next = on ? [...days, day].sort() : days.filter((d) => d !== day)
    // No day at all is no window: the last day stays.
    if (next.length === 0) return
    onChange(next.length === 7 ? { days: undefined } : { days: next })
  }
  return (
    <div className="hours-window" role="group" aria-label={label}>
      <label>
        From <input type="time" value={window.from} required onChange={(e) => e.target.value && onChange({ from: e.target.value })} />
      </label>
      <label>
        to <input type="time" value={window.to} required onChange={(e) => e.target.value && onChange({ to: e.target.value })} />
      </label>
      <span className="days">
        {WEEKDAY_NAMES.map((name, day) => (
          <label key={name} className="day">
            <input type="checkbox" checked={days.includes(day)} onChange={(e) => toggle(day, e.target.checked)} />
            {name}
          </label>
        ))}
      </span>
      <button type="button" className="link" onClick={onRemove} aria-label={`Remove ${label}`}>
        Remove
      </button>
    </div>
  )
}

/** The zone the hours are read in: empty for the computer's (the server's, when this panel is in a browser elsewhere). */
function TimeZoneField({ value, onCommit }: { value: string | null; onCommit: (value: string | null) => void }) {
  const [draft, setDraft] = useState(value ?? '')
  const [shown, setShown] = useState(value)
  const id = useId()
  if (shown !== value) {
    setShown(value)
    setDraft(value ?? '')
  }
  const trimmed = draft.trim()
  const problem = trimmed !== '' && !isTimeZone(trimmed) ? `“${trimmed}” is not a time zone; use a name such as Europe/Berlin or UTC` : null
  const commit = (): void => {
    if (problem || (trimmed || null) === value) return
    onCommit(trimmed || null)
  }
  return (
    <label className="field">
      <span>Time zone of the hours</span>
      <input
        value={draft}
        placeholder="This computer’s"
        aria-invalid={problem !== null}
        aria-describedby={`${id}-help`}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      <small id={`${id}-help`} className={problem ? 'field-error' : undefined} role={problem ? 'alert' : undefined}>
        {problem ?? 'Empty: the zone of the computer Offload runs on.'}
      </small>
    </label>
  )
}
