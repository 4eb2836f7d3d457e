import type { KindInfo, KindLoadError, Priority } from '../../../shared/job'
import { DEFAULT_LANE, PRIORITIES } from '../../../shared/vocabulary'
import type { Field, FormValues } from '../../../shared/schema-form'
import { useSupports } from '../state/app-store'

/** What the kinds folder could not load, and why: above a form that picks a kind. */
export function KindErrorsNote({ errors }: { errors: KindLoadError[] }) {
  if (errors.length === 0) return null
  return (
    <div className="kind-errors" role="note" aria-label="Kinds that could not be loaded">
      <p>{errors.length === 1 ? 'One kind could not be loaded:' : `${errors.length} kinds could not be loaded:`}</p>
      <ul>
        {errors.map((e) => (
          <li key={e.file}>
            <code>{e.file.split(/[\\/]/).pop()}</code>: {e.message}
          </li>
        ))}
      </ul>
    </div>
  )
}

/**
 * A kind's params as form fields (from its JSON schema, see schema-form.ts),
 * each with its problem next to it. Ids are `param-<name>`: one form of
 * params on screen at a time.
 */
export function ParamFields(props: {
  fields: Field[]
  values: FormValues
  onChange: (update: (old: FormValues) => FormValues) => void
  errors: Record<string, string>
}) {
  const { fields, values, onChange, errors } = props
  return fields.map((field) => {
    const id = `param-${field.name}`
    const error = errors[field.name]
    const common = { id, 'aria-invalid': !!error, 'aria-describedby': error ? `${id}-error` : undefined }
    const value = values[field.name]
    const set = (v: string | boolean): void => onChange((old) => ({ ...old, [field.name]: v }))
    return (
      <div className="field" key={field.name}>
        <label htmlFor={id}>
          {field.name}
          {field.required && <span aria-hidden="true"> *</span>}
        </label>
        {field.kind === 'boolean' ? (
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} />
        ) : field.kind === 'select' ? (
          <select {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value)}>
            <option value="">—</option>
            {field.options!.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        ) : field.kind === 'lines' || field.kind === 'pairs' || field.kind === 'json' || field.multiline ? (
          <textarea
            {...common}
            rows={field.multiline ? 4 : 3}
            spellCheck={field.multiline ? false : undefined}
            className={field.multiline ? 'code' : undefined}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => set(e.target.value)}
          />
        ) : (
          <input
            {...common}
            type={field.kind === 'text' ? 'text' : 'number'}
            required={field.required}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => set(e.target.value)}
          />
        )}
        {field.hint && <small>{field.hint}</small>}
        {error && (
          <small className="field-error" id={`${id}-error`} role="alert">
            {error}
          </small>
        )}
      </div>
    )
  })
}

/** A number typed in a text box (tries, seconds), with its hint and its problem. */
export function LimitField(props: { id: string; label: string; hint: string; value: string; onChange: (v: string) => void; error: string | undefined }) {
  const { id, label, hint, value, onChange, error } = props
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={1}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
      />
      <small id={`${id}-hint`}>{hint}</small>
      {error && (
        <small className="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  )
}

/** A line of text (or a number) with its hint and its problem; `code` sets it in the monospace face (a path, a glob). */
export function TextField(props: {
  id: string
  label: string
  value: string
  onChange: (v: string) => void
  hint: string
  error: string | undefined
  type?: 'text' | 'number' | 'datetime-local'
  maxLength?: number
  disabled?: boolean
  code?: boolean
  placeholder?: string
}) {
  const { id, label, value, onChange, hint, error, type = 'text', maxLength, disabled, code, placeholder } = props
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={type}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        {...(maxLength ? { maxLength } : {})}
        {...(disabled ? { disabled } : {})}
        {...(type === 'number' ? { min: 0, step: 'any' } : {})}
        {...(code ? { className: 'code', spellCheck: false, autoComplete: 'off' } : {})}
        {...(placeholder ? { placeholder } : {})}
      />
      <small id={`${id}-hint`}>{hint}</small>
      {error && (
        <small className="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  )
}

/** The lane a job runs in and the slots it takes (ids `<idPrefix>-lane`, `<idPrefix>-slots`), each with its problem. */
export function PlacementFields(props: {
  idPrefix: string
  lane: string
  onLane: (v: string) => void
  slots: string
  onSlots: (v: string) => void
  errors: { lane?: string | undefined; slots?: string | undefined }
}) {
  const { idPrefix, lane, onLane, slots, onSlots, errors } = props
  const slotted = useSupports('slots')
  return (
    <div className="row-fields">
      <TextField
        id={`${idPrefix}-lane`}
        label="Lane (optional)"
        value={lane}
        onChange={onLane}
        hint={`Empty: the kind’s own lane, else “${DEFAULT_LANE}”. A lane may have its own limit.`}
        error={errors.lane}
        maxLength={64}
        code
      />
      {slotted && (
        <LimitField
          id={`${idPrefix}-slots`}
          label="Slots"
          hint="Empty: 1. A job using several cores counts as several."
          value={slots}
          onChange={onSlots}
          error={errors.slots}
        />
      )}
    </div>
  )
}

/** The kind to run, from those loaded (one no longer loaded stays, marked so), with its description and the server's word on it. */
export function KindField(props: { id: string; kinds: KindInfo[]; value: string; onChange: (name: string) => void; error: string | undefined }) {
  const { id, kinds, value, onChange, error } = props
  const kind = kinds.find((k) => k.name === value)
  return (
    <div className="field">
      <label htmlFor={id}>Kind</label>
      <select id={id} value={value} aria-invalid={!!error} aria-describedby={error ? `${id}-error` : undefined} onChange={(e) => onChange(e.target.value)}>
        {!kind && value && <option value={value}>{value} (not loaded)</option>}
        {kinds.map((k) => (
          <option key={k.name} value={k.name}>
            {k.name}
          </option>
        ))}
      </select>
      {kind?.description && <small>{kind.description}</small>}
      {error && (
        <small className="field-error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  )
}

export function PriorityField({ id, value, onChange }: { id: string; value: Priority; onChange: (p: Priority) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>Priority</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as Priority)}>
        {PRIORITIES.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
    </div>
  )
}

/**
 * The end of a dialog's form: what the server said of the form as a whole,
 * a note while the panel is offline (`offline` says what can be saved once
 * it reconnects), Cancel and the submit button.
 */
export function FormEnd(props: { error: string | undefined; online: boolean; offline: string; onCancel: () => void; submit: string; disabled: boolean }) {
  const { error, online, offline, onCancel, submit, disabled } = props
  return (
    <>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {!online && (
        <p className="offline-note" role="status">
          Not connected to Offload: {offline} once the panel reconnects. What you typed stays here.
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={disabled}>
          {submit}
        </button>
      </div>
    </>
  )
}
