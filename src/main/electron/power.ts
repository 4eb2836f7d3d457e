import { powerMonitor } from 'electron'
import type { Engine } from '../engine/engine'
import { batteryConcurrency } from '../desktop/power-policy'

/**
 * On battery, fewer jobs at once; while the machine sleeps, none start.
 * `woke` hears the machine wake (schedules make up what fell while it slept).
 * Returns a function to call when settings change, so a new battery limit applies at once.
 */
export function followPower(engine: Engine, woke: () => void = () => {}): { settingsChanged(): void; dispose(): void } {
  const apply = (): void => engine.limitConcurrency(powerMonitor.isOnBatteryPower() ? batteryConcurrency(engine.settings()) : null)
  const onSuspend = (): void => engine.setSuspended(true)
  const onResume = (): void => {
    engine.setSuspended(false)
    apply()
    woke()
  }
  powerMonitor.on('on-battery', apply)
  powerMonitor.on('on-ac', apply)
  powerMonitor.on('suspend', onSuspend)
  powerMonitor.on('resume', onResume)
  apply()
  return {
    settingsChanged: apply,
    dispose: () => {
      powerMonitor.off('on-battery', apply)
      powerMonitor.off('on-ac', apply)
      powerMonitor.off('suspend', onSuspend)
      powerMonitor.off('resume', onResume)
    },
  }
}
