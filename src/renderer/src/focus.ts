/**
 * Puts keyboard focus back in the list (its one tab stop), or the search box
 * if the list is empty: where focus goes when the control that had it is
 * removed (a bulk bar swapped out, a dialog's opener gone), rather than lost
 * to the page's body.
 */
export function focusList(): void {
  const row = document.querySelector<HTMLElement>('[data-testid="job-list"] [role="row"][tabindex="0"]')
  ;(row ?? document.querySelector<HTMLElement>('input[type="search"]'))?.focus()
}
