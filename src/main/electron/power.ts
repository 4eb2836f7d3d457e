import { powerMonitor } from 'electron'
import type { Engine } from '../engine/engine'
import { batteryConcurrency, userActive } from '../desktop/power-policy'

/** Electron has no event for input on every platform: the idle time is asked for this often. */
const USER_CHECK_MS = 5000

/**
 * On battery, fewer jobs at once; while the machine sleeps, none start;
 * while the user is at the computer, fewer (the engine halves its limit).
 * `woke` hears the machine wake (schedules make up what fell while it slept).
 * Returns a function to call when settings change, so a new battery limit applies at once.
 */
export function followPower(engine: Engine, woke: () => void = () => {}): { settingsChanged(): void; dispose(): void } {
  const apply = (): void => engine.limitConcurrency(powerMonitor.isOnBatteryPower() ? batteryConcurrency(engine.settings()) : null)
  const checkUser = (): void => engine.setUserActive(userActive(powerMonitor.getSystemIdleTime()))
  const onSuspend = (): void => engine.setSuspended(true)
  const onResume = (): void => {
    engine.setSuspended(false)
    apply()
    checkUser()
    woke()
  }
  powerMonitor.on('on-battery', apply)
  powerMonitor.on('on-ac', apply)
  powerMonitor.on('suspend', onSuspend)
  powerMonitor.on('resume', onResume)
  apply()
  checkUser()
  const userTimer = setInterval(checkUser, USER_CHECK_MS).unref()
  return {
    settingsChanged: apply,
    dispose: () => {
      clearInterval(userTimer)
      powerMonitor.off('on-battery', apply)
      powerMonitor.off('on-ac', apply)
      powerMonitor.off('suspend', onSuspend)
      powerMonitor.off('resume', onResume)
    },
  }
}
