import { useMemo, useState } from 'react'
import { PRIORITIES, type Priority } from '../../../shared/job'
import { ApiError } from '../../../shared/wire-error'
import { useTransport } from '../context'
import { useApp } from '../state/app-store'
import { useJobs } from '../state/jobs-store'
import { Dialog } from './Dialog'
import { fieldsOf, toParams, type FormValues, type JsonSchema } from './schema-form'

/** A form generated from the chosen kind's params schema, with the server's verdict next to each field. */
export function NewJobDialog({ onClose }: { onClose: () => void }) {
  const { transport, loader } = useTransport()
  const kinds = useApp((s) => s.kinds)
  const kindErrors = useApp((s) => s.kindErrors)
  const [kindName, setKindName] = useState(kinds[0]?.name ?? '')
  const [values, setValues] = useState<FormValues>({})
  const [name, setName] = useState('')
  const [priority, setPriority] = useState<Priority>('normal')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const kind = kinds.find((k) => k.name === kindName)
  const fields = useMemo(() => fieldsOf((kind?.paramsSchema ?? {}) as JsonSchema), [kind])

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault()
    const { params, errors: local } = toParams(fields, values)
    setErrors(local)
    if (Object.keys(local).length > 0 || !kind) return
    setBusy(true)
    try {
      const job = await transport.api.createJob({ kind: kind.name, params, priority, ...(name.trim() ? { name: name.trim() } : {}) })
      useApp.getState().notify(`Queued "${job.name}"`)
      useJobs.getState().remember(job)
      useJobs.getState().open(job.id)
      loader.refreshSoon()
      onClose()
    } catch (error) {
      if (error instanceof ApiError && Array.isArray(error.detail)) {
        const byField: Record<string, string> = {}
        for (const d of error.detail as { path: string; message: string }[]) byField[d.path.split('.')[0] || '_'] = d.message
        setErrors(byField)
      } else setErrors({ _: error instanceof Error ? error.message : String(error) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title="New job" onClose={onClose}>
      {kindErrors.length > 0 && (
        <div className="kind-errors" role="note" aria-label="Kinds that could not be loaded">
          <p>{kindErrors.length === 1 ? 'One kind could not be loaded:' : `${kindErrors.length} kinds could not be loaded:`}</p>
          <ul>
            {kindErrors.map((e) => (
              <li key={e.file}>
                <code>{e.file.split(/[\\/]/).pop()}</code>: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="new-job-kind">Kind</label>
          <select
            id="new-job-kind"
            value={kindName}
            onChange={(e) => {
              setKindName(e.target.value)
              setValues({})
              setErrors({})
            }}
          >
            {kinds.map((k) => (
              <option key={k.name} value={k.name}>
                {k.name}
              </option>
            ))}
          </select>
          {kind?.description && <small>{kind.description}</small>}
        </div>
        {fields.map((field) => {
          const id = `param-${field.name}`
          const error = errors[field.name]
          const common = { id, 'aria-invalid': !!error, 'aria-describedby': error ? `${id}-error` : undefined }
          const value = values[field.name]
          const set = (v: string | boolean): void => setValues((old) => ({ ...old, [field.name]: v }))
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
              ) : field.kind === 'lines' || field.kind === 'pairs' || field.kind === 'json' ? (
                <textarea {...common} rows={3} value={typeof value === 'string' ? value : ''} onChange={(e) => set(e.target.value)} />
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
        })}
        <div className="row-fields">
          <label className="field">
            <span>Name (optional)</span>
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
          </label>
          <label className="field">
            <span>Priority</span>
            <select value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
              {PRIORITIES.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
        </div>
        {errors._ && (
          <p className="field-error" role="alert">
            {errors._}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !kind}>
            Queue job
          </button>
        </div>
      </form>
    </Dialog>
  )
}
