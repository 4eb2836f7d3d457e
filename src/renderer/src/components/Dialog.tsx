import { useEffect, useEffectEvent, useId, useRef } from 'react'

/** A modal dialog: labelled, focus moved in once when it opens, Escape closes. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: React.ReactNode }) {
  const titleId = useId()
  const ref = useRef<HTMLDivElement>(null)
  // The parent re-renders often (live stats); the latest onClose, without re-running the effect that moves focus.
  const close = useEffectEvent(() => onClose())
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input, select, textarea, button')?.focus()
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') close()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
  return (
    <div className="backdrop" onClick={() => onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref} onClick={(e) => e.stopPropagation()}>
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  )
}
