import { useMemo, useState } from 'react'
import type { Job, Priority } from '../../../shared/job'
import { DEFAULT_LANE } from '../../../shared/vocabulary'
import { ApiError } from '../../../shared/wire-error'
import { useTransport } from '../context'
import { formatTime } from '../format'
import { readLimits, readPlacement } from '../job-limits'
import { useApp } from '../state/app-store'
import { useJobs } from '../state/jobs-store'
import { Dialog } from './Dialog'
import { FormEnd, KindErrorsNote, KindField, LimitField, ParamFields, PlacementFields, PriorityField, TextField } from './JobFields'
import { fieldsOf, fromParams, toParams, type FormValues, type JsonSchema } from '../../../shared/schema-form'

/**
 * A form generated from the chosen kind's params schema, with the server's
 * verdict next to each field. Given `from`, it starts as a copy of that job
 * ("Run again…"), every field editable; given `kind`, with that kind chosen.
 */
export function NewJobDialog({ onClose, from, kind: chosen }: { onClose: () => void; from?: Job | undefined; kind?: string | undefined }) {
  const { transport, loader } = useTransport()
  const kinds = useApp((s) => s.kinds)
  const kindErrors = useApp((s) => s.kindErrors)
  const online = useApp((s) => s.connection === 'open')
  const [kindName, setKindName] = useState(from?.kind ?? chosen ?? kinds[0]?.name ?? '')
  const kind = kinds.find((k) => k.name === kindName)
  const fields = useMemo(() => fieldsOf((kind?.paramsSchema ?? {}) as JsonSchema), [kind])
  const [values, setValues] = useState<FormValues>(() => (from ? fromParams(fields, from.params) : {}))
  const [name, setName] = useState(from?.name ?? '')
  const [priority, setPriority] = useState<Priority>(from?.priority ?? 'normal')
  const [tries, setTries] = useState(from ? String(from.maxAttempts) : '')
  const [timeout, setTimeoutText] = useState(from?.timeoutMs ? String(from.timeoutMs / 1000) : '')
  const [lane, setLane] = useState(from && from.lane !== DEFAULT_LANE ? from.lane : '')
  const [slots, setSlots] = useState(from && from.slots > 1 ? String(from.slots) : '')
  /** A datetime-local value: the person's own wall clock, sent as an instant. */
  const [startAt, setStartAt] = useState('')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault()
    const { params, errors: local } = toParams(fields, values)
    const { limits, errors: limitErrors } = readLimits(tries, timeout)
    const start = startAt ? new Date(startAt) : null
    if (start && Number.isNaN(start.getTime())) limitErrors.runAt = 'A date and a time'
    const placement = readPlacement(lane, slots)
    Object.assign(limitErrors, placement.errors)
    setErrors({ ...local, ...limitErrors })
    if (Object.keys(local).length + Object.keys(limitErrors).length > 0 || !kind) return
    setBusy(true)
    try {
      const job = await transport.api.createJob({
        kind: kind.name,
        params,
        priority,
        ...limits,
        ...(start ? { runAt: start.toISOString() } : {}),
        ...(placement.lane ? { lane: placement.lane } : {}),
        ...(placement.slots > 1 ? { slots: placement.slots } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      })
      useApp.getState().notify(job.status === 'scheduled' ? `Scheduled "${job.name}" for ${formatTime(job.runAfter)}` : `Queued "${job.name}"`)
      useJobs.getState().remember(job)
      useJobs.getState().open(job.id)
      loader.refreshSoon()
      onClose()
    } catch (error) {
      if (error instanceof ApiError && Array.isArray(error.detail)) {
        const byField: Record<string, string> = {}
        // Params problems are named by their field ("command"); the job's own fields by theirs ("maxAttempts").
        for (const d of error.detail as { path: string; message: string }[]) byField[d.path.replace(/^params\./, '').split('.')[0] || '_'] = d.message
        setErrors(byField)
      } else setErrors({ _: error instanceof Error ? error.message : String(error) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title={from ? `Run again: ${from.name}` : 'New job'} onClose={onClose}>
      <KindErrorsNote errors={kindErrors} />
      <form onSubmit={(e) => void submit(e)} noValidate>
        <KindField
          id="new-job-kind"
          kinds={kinds}
          value={kindName}
          error={errors.kind}
          onChange={(next) => {
            setKindName(next)
            setValues({})
            setErrors({})
          }}
        />
        <ParamFields fields={fields} values={values} onChange={setValues} errors={errors} />
        <div className="row-fields">
          <TextField
            id="new-job-name"
            label="Name (optional)"
            value={name}
            onChange={setName}
            hint={`Empty: the kind’s name${kindName ? ` (${kindName})` : ''}`}
            error={errors.name}
            maxLength={200}
          />
          <PriorityField id="new-job-priority" value={priority} onChange={setPriority} />
        </div>
        <div className="row-fields">
          <LimitField id="new-job-tries" label="Tries" hint="Empty: Offload’s default" value={tries} onChange={setTries} error={errors.maxAttempts} />
          <LimitField
            id="new-job-timeout"
            label="Time limit per try"
            hint="In seconds; empty: no limit"
            value={timeout}
            onChange={setTimeoutText}
            error={errors.timeoutMs}
          />
        </div>
        <PlacementFields idPrefix="new-job" lane={lane} onLane={setLane} slots={slots} onSlots={setSlots} errors={errors} />
        <TextField
          id="new-job-start"
          label="Start at (optional)"
          type="datetime-local"
          value={startAt}
          onChange={setStartAt}
          hint="Empty: as soon as a worker is free. A time past also runs now."
          error={errors.runAt}
        />
        <FormEnd error={errors._} online={online} offline="the job can be queued" onCancel={onClose} submit="Queue job" disabled={busy || !kind || !online} />
      </form>
    </Dialog>
  )
}
