import { MAX_CONCURRENCY, type Settings } from '../../../shared/job'
import { useTransport } from '../context'
import { useApp } from '../state/app-store'
import { useAction } from '../use-action'
import { Dialog } from './Dialog'
import { NumberSetting } from './NumberSetting'

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useApp((s) => s.settings)
  const { where } = useTransport().transport
  const act = useAction()
  if (!settings) return null
  const update = (patch: Partial<Settings>): void => void act((api) => api.updateSettings(patch))
  return (
    <Dialog title="Settings" onClose={onClose}>
      <NumberSetting label="Jobs at once" value={settings.concurrency} min={1} max={MAX_CONCURRENCY} onCommit={(concurrency) => update({ concurrency })} />
      <fieldset className="desktop-settings" disabled={where === 'browser'}>
        <legend>Desktop app</legend>
        {where === 'browser' && <p className="muted">These apply to the desktop app; this panel is running in a browser.</p>}
        <label className="field">
          <span>Jobs at once on battery</span>
          <select
            value={settings.batteryConcurrency ?? ''}
            onChange={(e) => update({ batteryConcurrency: e.target.value === '' ? null : Number(e.target.value) })}
          >
            <option value="">Half as many</option>
            {Array.from({ length: settings.concurrency }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={settings.notifyOnSuccess} onChange={(e) => update({ notifyOnSuccess: e.target.checked })} /> Notify when jobs finish
        </label>
        <label className="check">
          <input type="checkbox" checked={settings.notifyOnFailure} onChange={(e) => update({ notifyOnFailure: e.target.checked })} /> Notify when jobs fail
        </label>
        <label className="check">
          <input type="checkbox" checked={settings.closeToTray} onChange={(e) => update({ closeToTray: e.target.checked })} /> Keep working in the tray when the
          window is closed
        </label>
      </fieldset>
      <p className="muted">Finished jobs are kept until you remove them; automatic clean-up of old jobs comes with the maintenance schedule.</p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  )
}
