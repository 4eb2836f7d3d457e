import { useId, useState } from 'react'

/**
 * A whole-number setting that takes effect when you press Enter or leave the
 * field, not on every keystroke (typing "12" must not pass through "1"); an
 * out-of-range or empty entry is said inline and changes nothing.
 */
export function NumberSetting({
  label,
  value,
  min,
  max,
  onCommit,
  hideLabel = false,
}: {
  label: string
  value: number
  min: number
  max: number
  onCommit: (value: number) => void
  /** The label is said by something beside the field (a checkbox): kept for screen readers only. */
  hideLabel?: boolean
}) {
  const [draft, setDraft] = useState(String(value))
  const [error, setError] = useState<string | null>(null)
  const id = useId()
  // Changed elsewhere (the header's stepper, another window): show that value, as React's docs
  // suggest for state that follows a prop, during render rather than in an effect.
  const [shown, setShown] = useState(value)
  // The echo of this field's own commit may come back after the person has typed on: it must not undo that.
  const [committed, setCommitted] = useState<number | null>(null)
  if (shown !== value) {
    setShown(value)
    if (value === committed) setCommitted(null)
    else {
      setDraft(String(value))
      setError(null)
    }
  }

  const commit = (): void => {
    const n = Number(draft)
    if (draft.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      setError(`Enter a whole number from ${min} to ${max}`)
      return
    }
    setError(null)
    if (n !== value) {
      setCommitted(n)
      onCommit(n)
    }
  }

  return (
    <div className="field">
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        value={draft}
        aria-invalid={error !== null}
        aria-describedby={`${id}-hint`}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault()
            commit()
          } else if (e.key === 'Escape' && draft !== String(value)) {
            // Undo the edit; a second Escape closes the dialog (a native <dialog> closes on the key's default action).
            e.preventDefault()
            e.stopPropagation()
            setDraft(String(value))
            setError(null)
          }
        }}
      />
      <small id={`${id}-hint`} className={error ? 'field-error' : undefined} role={error ? 'alert' : undefined}>
        {error ?? `${min}–${max}; applied when you press Enter or leave the field`}
      </small>
    </div>
  )
}
