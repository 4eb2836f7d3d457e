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

/**
 * On the next frame, focuses the first of `selectors` found in `root`: where
 * focus goes once a dialog's opener is gone (the item just made, else the
 * next item, else the way to make one).
 */
export function focusFirstIn(root: { readonly current: HTMLElement | null }, selectors: readonly string[]): void {
  requestAnimationFrame(() => {
    const target = selectors.map((sel) => root.current?.querySelector<HTMLElement>(sel)).find(Boolean)
    target?.focus()
  })
}
