/** Placeholder until the task-manager panel (issue 4); the API is live at /api. */
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24 }}>
      <h1>Offload</h1>
      <p>The engine is running. The task-manager panel is on its way; meanwhile the HTTP API is served at /api.</p>
    </main>
  )
}
