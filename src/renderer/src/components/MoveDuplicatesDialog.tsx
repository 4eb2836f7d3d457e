import { useState } from 'react'
import type { Job } from '../../../shared/job'
import { ApiError } from '../../../shared/wire-error'
import { useTransport } from '../context'
import { formatBytes } from '../format'
import { extraCopies, foundDuplicates, moveDuplicatesParams, type KeepChoice } from '../move-duplicates-params'
import { useApp } from '../state/app-store'
import { useJobs } from '../state/jobs-store'
import { Dialog } from './Dialog'
import { FormEnd, TextField } from './JobFields'

const KEEP_CHOICES: { value: KeepChoice; label: string }[] = [
  { value: 'first', label: 'the first listed' },
  { value: 'oldest', label: 'the oldest' },
  { value: 'newest', label: 'the newest' },
]

/** Asks where the extra copies a find-duplicates job found should go, and queues the move-duplicates job that takes them there. */
export function MoveDuplicatesDialog({ job, onClose }: { job: Job; onClose: () => void }) {
  const { transport, loader } = useTransport()
  const online = useApp((s) => s.connection === 'open')
  const [to, setTo] = useState('')
  const [keep, setKeep] = useState<KeepChoice>('first')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const found = foundDuplicates(job)
  const extra = extraCopies(found?.groups ?? [])

  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault()
    if (!to.trim()) return setErrors({ to: 'The folder to move them to' })
    const params = moveDuplicatesParams(job, to, keep)
    if (!params) return setErrors({ _: 'This job lists no duplicates' })
    setBusy(true)
    try {
      const created = await transport.api.createJob({ kind: 'move-duplicates', params })
      useApp.getState().notify(`Queued "${created.name}"`)
      useJobs.getState().remember(created)
      useJobs.getState().open(created.id)
      loader.refreshSoon()
      onClose()
    } catch (error) {
      if (error instanceof ApiError && Array.isArray(error.detail)) {
        const byField: Record<string, string> = {}
        for (const d of error.detail as { path: string; message: string }[]) byField[d.path.replace(/^params\./, '') === 'to' ? 'to' : '_'] = d.message
        setErrors(byField)
      } else setErrors({ _: error instanceof Error ? error.message : String(error) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Dialog title="Move extra copies" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <p>
          {extra.files.toLocaleString()} extra {extra.files === 1 ? 'copy' : 'copies'} ({formatBytes(extra.bytes)}) in{' '}
          {found?.groups.length.toLocaleString() ?? 0} {found?.groups.length === 1 ? 'group' : 'groups'} will be moved to the folder you name, under the same
          paths; one copy of each group stays. Nothing is deleted, and a file changed since the search is left where it is.
        </p>
        <TextField
          id="move-duplicates-to"
          label="Move them to"
          value={to}
          onChange={setTo}
          hint={`A full path outside ${found?.folder ?? 'the folder'}; made if it does not exist`}
          error={errors.to}
          code
        />
        <div className="field">
          <label htmlFor="move-duplicates-keep">Keep</label>
          <select id="move-duplicates-keep" value={keep} onChange={(e) => setKeep(e.target.value as KeepChoice)}>
            {KEEP_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <FormEnd error={errors._} online={online} offline="the move can be queued" onCancel={onClose} submit="Queue the move" disabled={busy || !online} />
      </form>
    </Dialog>
  )
}
