import { MAX_CONCURRENCY, type Settings } from '../../../shared/job'
import { useTransport } from '../context'
import { useApp } from '../state/app-store'
import { useAction } from '../use-action'
import { Dialog } from './Dialog'
import { NumberSetting } from './NumberSetting'
import { useBrowserNotify } from '../browser-notifications'

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
        <label className="check">
          <input type="checkbox" checked={settings.startAtLogin} onChange={(e) => update({ startAtLogin: e.target.checked })} /> Start at login, in the tray
        </label>
        <label className="check">
          <input type="checkbox" checked={settings.localApi} onChange={(e) => update({ localApi: e.target.checked })} /> Allow scripts and the command line
        </label>
        <p className="muted">
          Scripts and the <code>offload</code> command reach the app on this computer only, with the token in <code>server.json</code> in its data folder.
        </p>
      </fieldset>
      {where === 'browser' && <BrowserNotificationSettings />}
      <p className="muted">Finished jobs are kept until you remove them; automatic clean-up of old jobs comes with the maintenance schedule.</p>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  )
}

/** Notifications from this browser tab while it is out of sight; this browser's choice, kept in it. */
function BrowserNotificationSettings() {
  const { onSuccess, onFailure, permission, choose } = useBrowserNotify()
  return (
    <fieldset disabled={permission === 'unsupported' || permission === 'denied'}>
      <legend>This browser</legend>
      {permission === 'unsupported' && <p className="muted">This browser cannot show notifications.</p>}
      {permission === 'denied' && <p className="muted">Notifications are blocked for this page: allow them in the browser’s site settings.</p>}
      <label className="check">
        <input type="checkbox" checked={onSuccess} onChange={(e) => void choose({ onSuccess: e.target.checked })} /> Notify me here when jobs finish
      </label>
      <label className="check">
        <input type="checkbox" checked={onFailure} onChange={(e) => void choose({ onFailure: e.target.checked })} /> Notify me here when jobs fail
      </label>
    </fieldset>
  )
}
