import { useMemo, useState } from 'react'
import type { KindInfo, Priority } from '../../../shared/job'
import { fieldsOf, fromParams, toParams, type Field, type FormValues } from '../../../shared/schema-form'
import type { NewWatch, Watch } from '../../../shared/watch'
import { ApiError } from '../../../shared/wire-error'
import { useTransport } from '../context'
import { readPlacement } from '../job-limits'
import { useApp } from '../state/app-store'
import { readSettle, savedText, settleSeconds, templateStart, watchErrorsByField } from '../watch-text'
import { Dialog } from './Dialog'
import { FormEnd, KindErrorsNote, KindField, ParamFields, PlacementFields, PriorityField, TextField } from './JobFields'

interface Errors {
  params: Record<string, string>
  fields: Record<string, string>
}
const NO_ERRORS: Errors = { params: {}, fields: {} }
/** The fields that show their own problem; the server's word on any other goes with the form's. */
const OWN_FIELDS = new Set(['path', 'glob', 'settleMs', 'kind', 'lane', 'slots'])
/** What a kind that declares no params of its own is given. */
const DEFAULT_TEMPLATE = { path: '{{path}}' }

const fieldsOfKind = (kind: KindInfo | undefined): Field[] => fieldsOf(kind?.paramsSchema ?? {})

/**
 * Makes a watch, or changes one: the folder, which files in it count, the
 * kind each file's job runs with its params (the new-job form's fields, with
 * {{path}}, {{name}} and {{dir}} filled from the file), and how long a file
 * must stay the same. The server's verdict shows next to its field.
 */
export function WatchDialog({ watch, onClose, onSaved }: { watch?: Watch | undefined; onClose: () => void; onSaved: (w: Watch) => void }) {
  const { transport } = useTransport()
  const kinds = useApp((s) => s.kinds)
  const kindErrors = useApp((s) => s.kindErrors)
  const online = useApp((s) => s.connection === 'open')
  const [kindName, setKindName] = useState(watch?.kind ?? kinds[0]?.name ?? '')
  const kind = kinds.find((k) => k.name === kindName)
  const fields = useMemo(() => fieldsOfKind(kind), [kind])
  const [values, setValues] = useState<FormValues>(() => (watch ? fromParams(fields, watch.paramsTemplate) : templateStart(fields)))
  const [path, setPath] = useState(watch?.path ?? '')
  const [glob, setGlob] = useState(watch?.glob ?? '*')
  const [recursive, setRecursive] = useState(watch?.recursive ?? true)
  const [priority, setPriority] = useState<Priority>(watch?.priority ?? 'normal')
  const [lane, setLane] = useState(watch?.lane ?? '')
  const [slots, setSlots] = useState(watch && watch.slots > 1 ? String(watch.slots) : '')
  const [settle, setSettle] = useState(settleSeconds(watch?.settleMs ?? 2000))
  const [enabled, setEnabled] = useState(watch?.enabled ?? true)
  const [errors, setErrors] = useState<Errors>(NO_ERRORS)
  const [busy, setBusy] = useState(false)

  const fieldError = (key: string): string | undefined => errors.fields[key]
  const edit =
    <T,>(key: string, set: (v: T) => void) =>
    (v: T): void => {
      set(v)
      setErrors((old) => ({ ...old, fields: Object.fromEntries(Object.entries(old.fields).filter(([k]) => k !== key)) }))
    }

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault()
    if (!kind) return
    const { params, errors: paramErrors } = toParams(fields, values)
    const settled = readSettle(settle)
    const placement = readPlacement(lane, slots)
    const local: Record<string, string> = { ...placement.errors }
    if (!path.trim()) local.path = 'Required: the folder’s full path'
    if (!glob.trim()) local.glob = 'Required: * takes every file'
    if (settled.error) local.settleMs = settled.error
    setErrors({ params: paramErrors, fields: local })
    if (Object.keys(paramErrors).length + Object.keys(local).length > 0) return
    // A kind with no params of its own: the template it had (same kind), or the file's path.
    const template = fields.length > 0 ? params : watch && watch.kind === kind.name ? watch.paramsTemplate : DEFAULT_TEMPLATE
    const body: NewWatch = {
      path: path.trim(),
      glob: glob.trim(),
      recursive,
      kind: kind.name,
      paramsTemplate: template,
      priority,
      lane: placement.lane,
      slots: placement.slots,
      settleMs: settled.ms!,
      enabled,
    }
    setBusy(true)
    try {
      const saved = watch ? await transport.api.updateWatch({ id: watch.id, ...body }) : await transport.api.createWatch(body)
      useApp.getState().notify(savedText(saved, !watch))
      onSaved(saved)
    } catch (error) {
      if (error instanceof ApiError && Array.isArray(error.detail)) setErrors(watchErrorsByField(error.detail as { path: string; message: string }[]))
      else setErrors({ params: {}, fields: { _: error instanceof Error ? error.message : String(error) } })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title={watch ? `Edit watch: ${watch.path}` : 'New watch'} onClose={onClose}>
      <KindErrorsNote errors={kindErrors} />
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          id="watch-path"
          label="Folder"
          value={path}
          onChange={edit('path', setPath)}
          hint="Its full path. A folder not there yet is fine: watching starts when it appears."
          error={fieldError('path')}
          maxLength={4096}
          placeholder="/home/you/Inbox"
          code
        />
        <div className="row-fields">
          <TextField
            id="watch-glob"
            label="Files matching"
            value={glob}
            onChange={edit('glob', setGlob)}
            hint="*.pdf matches PDFs in subfolders too; invoices/*.pdf only that folder. Names starting with “.” only if the glob says so."
            error={fieldError('glob')}
            maxLength={500}
            code
          />
          <TextField
            id="watch-settle"
            label="Settle time"
            type="number"
            value={settle}
            onChange={edit('settleMs', setSettle)}
            hint="Seconds a file must stay the same (a copy still going is left alone)"
            error={fieldError('settleMs')}
          />
        </div>
        <label className="check">
          <input type="checkbox" checked={recursive} onChange={(e) => edit('recursive', setRecursive)(e.target.checked)} /> Include subfolders
        </label>
        <div className="row-fields">
          <KindField
            id="watch-kind"
            kinds={kinds}
            value={kindName}
            error={fieldError('kind')}
            onChange={(name) => {
              setKindName(name)
              setValues(templateStart(fieldsOfKind(kinds.find((k) => k.name === name))))
              setErrors(NO_ERRORS)
            }}
          />
          <PriorityField id="watch-priority" value={priority} onChange={setPriority} />
        </div>
        <PlacementFields idPrefix="watch" lane={lane} onLane={edit('lane', setLane)} slots={slots} onSlots={edit('slots', setSlots)} errors={errors.fields} />
        <fieldset className="watch-template" aria-describedby="watch-template-hint">
          <legend>Each file’s job</legend>
          <p className="muted small" id="watch-template-hint">
            In any text, <code>{'{{path}}'}</code> becomes the file’s full path, <code>{'{{name}}'}</code> its name and <code>{'{{dir}}'}</code> its folder.
          </p>
          {fields.length === 0 && kind && (
            <p className="muted small">
              {kind.name} declares no params of its own: each job is given <code>{JSON.stringify(DEFAULT_TEMPLATE)}</code>.
            </p>
          )}
          <ParamFields
            fields={fields}
            values={values}
            onChange={(update) => {
              setValues(update)
              setErrors((old) => ({ ...old, params: {} }))
            }}
            errors={errors.params}
          />
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled: files that arrive become jobs (off, the folder is
          left alone)
        </label>
        <FormEnd
          error={
            Object.entries(errors.fields)
              .filter(([key]) => !OWN_FIELDS.has(key))
              .map(([, message]) => message)
              .join('; ') || undefined
          }
          online={online}
          offline="the watch can be saved"
          onCancel={onClose}
          submit={watch ? 'Save' : 'Save watch'}
          disabled={busy || !kind || !online}
        />
      </form>
    </Dialog>
  )
}
