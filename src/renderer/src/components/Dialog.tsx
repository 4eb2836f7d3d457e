import { useEffect, useEffectEvent, useId, useRef, useState } from 'react'
import { focusList } from '../focus'

/**
 * A modal dialog on the platform's own <dialog>: showModal() makes the rest
 * of the page inert, so Tab stays inside; Escape and a click on the backdrop
 * close it, and focus goes back where it was.
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: React.ReactNode }) {
  const titleId = useId()
  const ref = useRef<HTMLDialogElement>(null)
  // The parent re-renders often (live stats); the latest onClose, without re-running the effect that opens the dialog.
  const close = useEffectEvent(() => onClose())
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    dialog.showModal()
    dialog.querySelector<HTMLElement>('input, select, textarea, button')?.focus()
    // Escape closes a modal <dialog> natively, and the panel follows by unmounting it. Not while focus has
    // fallen to the page's body (the button pressed became disabled): so Escape is heard on the window too.
    const onClosed = (): void => close()
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') close()
    }
    dialog.addEventListener('close', onClosed)
    window.addEventListener('keydown', onKey)
    return () => {
      dialog.removeEventListener('close', onClosed)
      window.removeEventListener('keydown', onKey)
      if (dialog.open) dialog.close()
      // The control that opened it may be gone (the bar of a selection just cleared): then the list, where the user was working.
      if (opener?.isConnected) opener.focus()
      else focusList()
    }
  }, [])
  // A press and a release both on the <dialog> itself, not its contents, are a click on the backdrop; a drag that
  // began in a field (selecting text) and ended outside is not.
  const pressedOnBackdrop = useRef(false)
  return (
    <dialog
      className="dialog"
      role="dialog"
      aria-labelledby={titleId}
      ref={ref}
      onPointerDown={(e) => (pressedOnBackdrop.current = e.target === e.currentTarget)}
      onClick={(e) => {
        if (pressedOnBackdrop.current && e.target === e.currentTarget) onClose()
        pressedOnBackdrop.current = false
      }}
    >
      <div className="dialog-body">
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </dialog>
  )
}

/**
 * A question before something that cannot be undone: the safe choice first
 * (it has focus), the dangerous one held back while it is under way.
 */
export function ConfirmDialog(props: {
  title: string
  children: React.ReactNode
  keep: string
  confirm: string
  onClose: () => void
  onConfirm: () => Promise<void>
}) {
  const { title, children, keep, confirm, onClose, onConfirm } = props
  const [busy, setBusy] = useState(false)
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{children}</p>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {keep}
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => {
            setBusy(true)
            void onConfirm().finally(() => setBusy(false))
          }}
        >
          {confirm}
        </button>
      </div>
    </Dialog>
  )
}
