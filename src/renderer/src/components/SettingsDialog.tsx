import { useState } from 'react'
import type { Settings } from '../../../shared/job'
import { MAX_CONCURRENCY, MAX_IO_OVERCOMMIT, MAX_KEEP_DAYS, MAX_KEEP_JOBS, MAX_MIN_FREE_MEMORY_MB } from '../../../shared/vocabulary'
import { useTransport } from '../context'
import { useApp } from '../state/app-store'
import { useAction } from '../use-action'
import { Dialog } from './Dialog'
import { NumberSetting } from './NumberSetting'
import { QuietHoursSetting } from './QuietHoursSetting'
import { useBrowserNotify } from '../browser-notifications'

const ROLE_TEXT = { off: 'No: this computer’s queue only', worker: 'As a worker: also run its jobs here', client: 'As a client: this panel shows it' } as const

/** Joining a shared queue on Redis: taken up when the app next starts, since the panel and the workers change with it. */
function RedisJoinSetting({ settings, update }: { settings: Settings; update: (patch: Partial<Settings>) => void }) {
  const [url, setUrl] = useState(settings.redis?.url ?? '')
  const [role, setRole] = useState<keyof typeof ROLE_TEXT>(settings.redis?.role ?? 'off')
  const saved = settings.redis ? `${settings.redis.role}:${settings.redis.url}` : 'off'
  const asked = role === 'off' ? 'off' : `${role}:${url.trim()}`
  return (
    <div className="redis-join">
      <label className="field">
        <span>Join a shared queue on Redis</span>
        <select value={role} onChange={(e) => setRole(e.target.value as keyof typeof ROLE_TEXT)}>
          {Object.entries(ROLE_TEXT).map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </label>
      {role !== 'off' && (
        <label className="field">
          <span>Redis URL</span>
          <input type="text" value={url} placeholder="redis://192.168.1.20:6379" spellCheck={false} onChange={(e) => setUrl(e.target.value)} />
        </label>
      )}
      <button type="button" disabled={asked === saved} onClick={() => update({ redis: role === 'off' ? null : { url: url.trim(), role } })}>
        Save
      </button>
      <p className="muted">
        Takes effect when Offload next starts. The queue’s server runs <code>offload serve --redis URL</code>.
      </p>
    </div>
  )
}

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useApp((s) => s.settings)
  const { where } = useTransport().transport
  const act = useAction()
  if (!settings) return null
  const update = (patch: Partial<Settings>): void => void act((api) => api.updateSettings(patch))
  return (
    <Dialog title="Settings" onClose={onClose}>
      <NumberSetting label="Jobs at once" value={settings.concurrency} min={1} max={MAX_CONCURRENCY} onCommit={(concurrency) => update({ concurrency })} />
      <QuietHoursSetting settings={settings} update={update} />
      <MachineSettings settings={settings} update={update} />
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
        <RedisJoinSetting settings={settings} update={update} />
      </fieldset>
      {where === 'browser' && <BrowserNotificationSettings />}
      <fieldset className="retention">
        <legend>Clean-up</legend>
        <p className="muted">
          Once an hour, finished jobs past these terms are removed with their logs, a few at a time, while jobs go on running. The stats keep what they did.
        </p>
        <KeepSetting
          label="Remove succeeded and cancelled jobs after (days)"
          value={settings.keepFinishedDays}
          fallback={30}
          max={MAX_KEEP_DAYS}
          min={1}
          onChange={(keepFinishedDays) => update({ keepFinishedDays })}
        />
        <KeepSetting
          label="Remove failed jobs after (days)"
          value={settings.keepFailedDays}
          fallback={90}
          max={MAX_KEEP_DAYS}
          min={1}
          onChange={(keepFailedDays) => update({ keepFailedDays })}
        />
        <KeepSetting
          label="Keep at most this many succeeded and cancelled jobs"
          value={settings.keepFinishedMax}
          fallback={10_000}
          max={MAX_KEEP_JOBS}
          min={100}
          onChange={(keepFinishedMax) => update({ keepFinishedMax })}
        />
      </fieldset>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  )
}

/** How Offload shares the computer: memory it leaves free, load it makes way for, and how far disk-bound jobs may go. */
function MachineSettings({ settings, update }: { settings: Settings; update: (patch: Partial<Settings>) => void }) {
  const memory = settings.minFreeMemoryMb === null ? 'auto' : settings.minFreeMemoryMb === 0 ? 'off' : 'custom'
  return (
    <fieldset className="machine-settings">
      <legend>The machine</legend>
      <label className="check">
        <input type="checkbox" checked={settings.adaptiveConcurrency} onChange={(e) => update({ adaptiveConcurrency: e.target.checked })} /> Start fewer jobs
        while other programs keep the computer busy, or while you are using it (desktop app)
      </label>
      <label className="field">
        <span>Memory to leave free before a job starts</span>
        <select
          value={memory}
          onChange={(e) => update({ minFreeMemoryMb: e.target.value === 'auto' ? null : e.target.value === 'off' ? 0 : MEMORY_FALLBACK_MB })}
        >
          <option value="auto">10 % of it, at most 500 MB</option>
          <option value="custom">A set amount</option>
          <option value="off">Don’t check</option>
        </select>
      </label>
      {memory === 'custom' && (
        <NumberSetting
          label="Memory to leave free (MB)"
          value={settings.minFreeMemoryMb ?? MEMORY_FALLBACK_MB}
          min={1}
          max={MAX_MIN_FREE_MEMORY_MB}
          onCommit={(minFreeMemoryMb) => update({ minFreeMemoryMb })}
        />
      )}
      <NumberSetting
        label="Jobs that mostly wait on the disk may take this many times the jobs at once"
        value={settings.ioOvercommit}
        min={1}
        max={MAX_IO_OVERCOMMIT}
        onCommit={(ioOvercommit) => update({ ioOvercommit })}
      />
    </fieldset>
  )
}

const MEMORY_FALLBACK_MB = 500

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

/** A term that can also be "keep them": a box to turn it on (with a sensible first value), and the number itself. */
function KeepSetting(props: { label: string; value: number | null; fallback: number; min: number; max: number; onChange: (value: number | null) => void }) {
  const { label, value, fallback, min, max, onChange } = props
  // The box answers at once; the saved setting follows when the engine has it (and wins if it says otherwise).
  const [on, setOn] = useState(value !== null)
  const [shown, setShown] = useState(value)
  if (shown !== value) {
    setShown(value)
    setOn(value !== null)
  }
  return (
    <div className="keep-setting">
      <label className="check">
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => {
            setOn(e.target.checked)
            onChange(e.target.checked ? fallback : null)
          }}
        />{' '}
        {label}
      </label>
      {on && <NumberSetting label={label} value={value ?? fallback} min={min} max={max} onCommit={onChange} hideLabel />}
    </div>
  )
}
