/** How the app ends: with its last window (but on macOS), and only after the context has closed. */
import { app } from 'electron'
import type { AppContext } from '../core/app-context'

export function quitWhenWindowsClose(): void {
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}

/** Jobs get their cancel request and the database closes before the app goes. */
export function closeBeforeQuit(context: AppContext, unbindIpc: () => void): void {
  let closing = false
  app.on('before-quit', (event) => {
    if (closing) return
    event.preventDefault()
    closing = true
    unbindIpc()
    context
      .close()
      .catch((err: unknown) => console.error('Closing the app context failed:', err))
      .finally(() => app.quit())
  })
}
