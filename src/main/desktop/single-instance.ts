/** One app per data directory: a second launch hands over to the running one and quits. */
import { app } from 'electron'

/** True when this process is the only instance; the running instance gets onSecondLaunch. */
export function claimSingleInstance(onSecondLaunch: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return false
  }
  app.on('second-instance', onSecondLaunch)
  return true
}
