import { useMemo, useState } from 'react'
import type { Priority } from '../../../shared/job'
import type { NewSchedule, Schedule } from '../../../shared/schedule'
import { MISSED_POLICIES, OVERLAP_POLICIES } from '../../../shared/vocabulary'
import { fieldsOf, fromParams, toParams, type FormValues, type JsonSchema } from '../../../shared/schema-form'
import { ApiError } from '../../../shared/wire-error'
import { useTransport } from '../context'
import { readLimits, readPlacement } from '../job-limits'
import { checkCron, detailsByField, fireTimeText, localTimeZone, missedWindowText, readMissedWindow, timeZones } from '../schedule-text'
import { useApp } from '../state/app-store'
import { useNow } from '../use-now'
import { Dialog } from './Dialog'
import { FormEnd, KindErrorsNote, KindField, LimitField, ParamFields, PlacementFields, PriorityField, TextField } from './JobFields'

type Overlap = (typeof OVERLAP_POLICIES)[number]
type Missed = (typeof MISSED_POLICIES)[number]

const OVERLAP: Record<Overlap, [label: string, explanation: string]> = {
  skip: ['Skip the new run', 'A run that comes while the last one is still going is skipped, and the history says so.'],
  queue: ['Queue it behind', 'It waits, and starts when the last one ends (up to 100 wait; more are skipped).'],
  replace: ['Replace the old run', 'The run still going is cancelled, and the new one starts.'],
}
const MISSED: Record<Missed, [label: string, explanation: string]> = {
  skip: ['None', 'Runs that fell while Offload was off or the machine asleep are not made up.'],
  once: ['One for them all', 'One run makes up for all that were missed, when the latest is within the window.'],
  all: ['Every one', 'Each missed run within the window is made up, the latest 1,000 at most.'],
}
const DEFAULT_WINDOW_MS = 24 * 3600 * 1000
const CRON_EXAMPLES: [string, string][] = [
  ['0 * * * *', 'every hour, on the hour'],
  ['*/15 * * * *', 'every 15 minutes'],
  ['0 2 * * *', 'every night at 2:00'],
  ['0 9 * * 1-5', 'weekdays at 9:00'],
  ['0 9 * * 1', 'Mondays at 9:00'],
  ['0 0 1 * *', 'the first of each month, at midnight'],
]

interface Errors {
  params: Record<string, string>
  fields: Record<string, string>
}
const NO_ERRORS: Errors = { params: {}, fields: {} }

/**
 * Makes a schedule, or changes one: a kind and its params (the new-job
 * form's fields), a cron pattern checked as it is typed — with the next
 * runs it gives, on the user's clock — and what to do with overlapping and
 * missed runs. The server's verdict shows next to its field.
 */
export function ScheduleDialog({ schedule, onClose, onSaved }: { schedule?: Schedule | undefined; onClose: () => void; onSaved: (s: Schedule) => void }) {
  const { transport } = useTransport()
  const kinds = useApp((s) => s.kinds)
  const kindErrors = useApp((s) => s.kindErrors)
  const online = useApp((s) => s.connection === 'open')
  const now = useNow(true)
  const zones = useMemo(() => timeZones(), [])
  const [kindName, setKindName] = useState(schedule?.kind ?? kinds[0]?.name ?? '')
  const kind = kinds.find((k) => k.name === kindName)
  const fields = useMemo(() => fieldsOf((kind?.paramsSchema ?? {}) as JsonSchema), [kind])
  const [values, setValues] = useState<FormValues>(() => (schedule ? fromParams(fields, schedule.params) : {}))
  const [name, setName] = useState(schedule?.name ?? '')
  const [cron, setCron] = useState(schedule?.cron ?? '')
  const [timezone, setTimezone] = useState(schedule?.timezone ?? localTimeZone())
  const [priority, setPriority] = useState<Priority>(schedule?.priority ?? 'normal')
  const [tries, setTries] = useState(schedule?.maxAttempts ? String(schedule.maxAttempts) : '')
  const [timeout, setTimeoutText] = useState(schedule?.timeoutMs ? String(schedule.timeoutMs / 1000) : '')
  const [lane, setLane] = useState(schedule?.lane ?? '')
  const [slots, setSlots] = useState(schedule && schedule.slots > 1 ? String(schedule.slots) : '')
  const [overlap, setOverlap] = useState<Overlap>(schedule?.overlap ?? 'skip')
  const [missed, setMissed] = useState<Missed>(schedule?.missed ?? 'once')
  const [windowText, setWindowText] = useState(missedWindowText(schedule ? schedule.missedWindowMs : DEFAULT_WINDOW_MS))
  const [enabled, setEnabled] = useState(schedule?.enabled ?? true)
  const [errors, setErrors] = useState<Errors>(NO_ERRORS)
  const [tried, setTried] = useState(false)
  const [busy, setBusy] = useState(false)

  const check = checkCron(cron, timezone, now)
  // What the pattern needs shows once something is typed (or Save was tried); the server's word until the field changes.
  const cronError = (cron.trim() || tried ? check.cron : null) ?? errors.fields.cron
  const zoneError = check.timezone ?? errors.fields.timezone
  const fieldError = (key: string): string | undefined => errors.fields[key]
  const clearField = (key: string): void => setErrors((old) => ({ ...old, fields: Object.fromEntries(Object.entries(old.fields).filter(([k]) => k !== key)) }))
  const zoneShown = check.timezone ? null : timezone.trim()

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault()
    setTried(true)
    if (!kind || check.cron || check.timezone) return
    const { params, errors: paramErrors } = toParams(fields, values)
    const { limits, errors: limitErrors } = readLimits(tries, timeout)
    const missedWindow = missed === 'skip' ? null : readMissedWindow(windowText)
    const placement = readPlacement(lane, slots)
    const local: Record<string, string> = { ...limitErrors, ...placement.errors }
    if (missedWindow?.error) local.missedWindowMs = missedWindow.error
    if (schedule && !name.trim()) local.name = 'Required'
    setErrors({ params: paramErrors, fields: local })
    if (Object.keys(paramErrors).length + Object.keys(local).length > 0) return
    const body: NewSchedule = {
      kind: kind.name,
      params,
      cron: cron.trim(),
      timezone: timezone.trim(),
      priority,
      maxAttempts: limits.maxAttempts ?? null,
      timeoutMs: limits.timeoutMs ?? null,
      lane: placement.lane,
      slots: placement.slots,
      enabled,
      overlap,
      missed,
      // Missed runs not made up: the window stays as it was, for a later change of mind.
      ...(missedWindow ? { missedWindowMs: missedWindow.ms } : {}),
      ...(name.trim() ? { name: name.trim() } : {}),
    }
    setBusy(true)
    try {
      const saved = schedule ? await transport.api.updateSchedule({ id: schedule.id, ...body }) : await transport.api.createSchedule(body)
      useApp.getState().notify(schedule ? `Saved schedule "${saved.name}"` : `Scheduled "${saved.name}"`)
      onSaved(saved)
    } catch (error) {
      if (error instanceof ApiError && Array.isArray(error.detail)) setErrors(detailsByField(error.detail as { path: string; message: string }[]))
      else setErrors({ params: {}, fields: { _: error instanceof Error ? error.message : String(error) } })
    } finally {
      setBusy(false)
    }
  }

  const cronDescribedBy = ['schedule-cron-hint', cronError ? 'schedule-cron-error' : check.next.length > 0 ? 'schedule-cron-next' : null]
    .filter(Boolean)
    .join(' ')

  return (
    <Dialog title={schedule ? `Edit schedule: ${schedule.name}` : 'New schedule'} onClose={onClose}>
      <KindErrorsNote errors={kindErrors} />
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="row-fields">
          <TextField
            id="schedule-name"
            label={schedule ? 'Name' : 'Name (optional)'}
            value={name}
            onChange={(v) => {
              setName(v)
              clearField('name')
            }}
            hint={schedule ? 'Its jobs carry this name' : `Empty: the kind’s name${kindName ? ` (${kindName})` : ''}`}
            error={fieldError('name')}
            maxLength={200}
          />
          <PriorityField id="schedule-priority" value={priority} onChange={setPriority} />
        </div>
        <div className="row-fields cron-fields">
          <div className="field">
            <label htmlFor="schedule-cron">Cron pattern</label>
            <input
              id="schedule-cron"
              className="code"
              value={cron}
              list="schedule-cron-examples"
              spellCheck={false}
              autoComplete="off"
              placeholder="0 9 * * 1-5"
              onChange={(e) => {
                setCron(e.target.value)
                clearField('cron')
              }}
              aria-invalid={!!cronError}
              aria-describedby={cronDescribedBy}
            />
            <datalist id="schedule-cron-examples">
              {CRON_EXAMPLES.map(([pattern, words]) => (
                <option key={pattern} value={pattern} label={words} />
              ))}
            </datalist>
            <small id="schedule-cron-hint">minute hour day month weekday (or seconds first, six fields)</small>
          </div>
          <div className="field">
            <label htmlFor="schedule-zone">Time zone</label>
            <input
              id="schedule-zone"
              value={timezone}
              list="schedule-zones"
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => {
                setTimezone(e.target.value)
                clearField('timezone')
              }}
              aria-invalid={!!zoneError}
              aria-describedby={`schedule-zone-hint${zoneError ? ' schedule-zone-error' : ''}`}
            />
            <datalist id="schedule-zones">
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            <small id="schedule-zone-hint">The pattern’s times are read on this zone’s clocks</small>
            {zoneError && (
              <small className="field-error" id="schedule-zone-error" role="alert">
                {zoneError}
              </small>
            )}
          </div>
        </div>
        <div className="cron-check">
          {cronError ? (
            <p className="field-error" id="schedule-cron-error" role="alert">
              {cronError}
            </p>
          ) : check.next.length > 0 && zoneShown ? (
            <div id="schedule-cron-next">
              <p className="muted small">Next runs, on your clock:</p>
              <ol className="next-runs" aria-label="Next runs">
                {check.next.map((at) => (
                  <li key={at}>
                    <time dateTime={new Date(at).toISOString()}>{fireTimeText(at, zoneShown, now)}</time>
                  </li>
                ))}
              </ol>
            </div>
          ) : null}
        </div>
        <KindField
          id="schedule-kind"
          kinds={kinds}
          value={kindName}
          error={fieldError('kind')}
          onChange={(name) => {
            setKindName(name)
            setValues({})
            setErrors(NO_ERRORS)
          }}
        />
        <ParamFields
          fields={fields}
          values={values}
          onChange={(update) => {
            setValues(update)
            setErrors((old) => ({ ...old, params: {} }))
          }}
          errors={errors.params}
        />
        <div className="row-fields even">
          <Choice
            id="schedule-overlap"
            label="If the last run is still going"
            value={overlap}
            options={OVERLAP}
            onChange={(v) => setOverlap(v)}
            error={fieldError('overlap')}
          />
          <Choice id="schedule-missed" label="Missed runs" value={missed} options={MISSED} onChange={(v) => setMissed(v)} error={fieldError('missed')} />
        </div>
        <div className="row-fields even">
          <TextField
            id="schedule-window"
            label="Make up missed runs from the last"
            type="number"
            value={windowText}
            onChange={(v) => {
              setWindowText(v)
              clearField('missedWindowMs')
            }}
            hint={missed === 'skip' ? 'Not used: missed runs are not made up' : 'Hours; empty: however long ago'}
            error={fieldError('missedWindowMs')}
            disabled={missed === 'skip'}
          />
          <div />
        </div>
        <div className="row-fields">
          <LimitField id="schedule-tries" label="Tries" hint="Empty: Offload’s default" value={tries} onChange={setTries} error={fieldError('maxAttempts')} />
          <LimitField
            id="schedule-timeout"
            label="Time limit per try"
            hint="In seconds; empty: no limit"
            value={timeout}
            onChange={setTimeoutText}
            error={fieldError('timeoutMs')}
          />
        </div>
        <PlacementFields
          idPrefix="schedule"
          lane={lane}
          onLane={(v) => {
            setLane(v)
            clearField('lane')
          }}
          slots={slots}
          onSlots={(v) => {
            setSlots(v)
            clearField('slots')
          }}
          errors={errors.fields}
        />
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled: runs on its pattern (off, it runs only by hand)
        </label>
        <FormEnd
          error={[errors.fields._, errors.fields.params].filter(Boolean).join('; ') || undefined}
          online={online}
          offline="the schedule can be saved"
          onCancel={onClose}
          submit={schedule ? 'Save' : 'Save schedule'}
          disabled={busy || !kind || !online || !!check.cron || !!check.timezone}
        />
      </form>
    </Dialog>
  )
}

/** A select of policies, with a line saying what the chosen one does. */
function Choice<T extends string>(props: {
  id: string
  label: string
  value: T
  options: Record<T, [label: string, explanation: string]>
  onChange: (v: T) => void
  error: string | undefined
}) {
  const { id, label, value, options, onChange, error } = props
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value as T)}
        aria-invalid={!!error}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
      >
        {(Object.keys(options) as T[]).map((key) => (
          <option key={key} value={key}>
            {options[key][0]}
          </option>
        ))}
      </select>
      <small id={`${id}-hint`}>{options[value][1]}</small>
      {error && (
        <small className="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  )
}
