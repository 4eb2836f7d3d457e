export function EmptyState({ filtered, onNewJob }: { filtered: boolean; onNewJob: () => void }) {
  if (filtered) {
    return (
      <div className="empty" role="status">
        <h2>No jobs match</h2>
        <p>Try another tab, kind or search.</p>
      </div>
    )
  }
  return (
    <div className="empty" role="status">
      <h2>Nothing queued yet</h2>
      <p>Offload runs heavy work in the background: hash a photo folder to find duplicates, or run any command.</p>
      <button type="button" className="primary" onClick={onNewJob}>
        + Queue your first job
      </button>
      <p className="hint">Tip: press N for a new job, / to search, P to pause.</p>
    </div>
  )
}
