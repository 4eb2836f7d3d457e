import type { KindLoadError } from '../../../shared/job'
import type { Field, FormValues } from '../../../shared/schema-form'

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
