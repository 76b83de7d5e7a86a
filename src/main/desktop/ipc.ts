/** The contract over Electron IPC: one invoke channel, one event channel, from our own page only. */
import { BrowserWindow, ipcMain } from 'electron'
import { ApiError, type Envelope } from '../../shared/errors'
import type { AppPage } from './app-page'
import type { AppContext } from '../core/app-context'

export const invokeChannel = 'studio:invoke'
export const eventChannel = 'studio:event'

/** Binds the context to IPC; returns the unbinding. Every answer is an Envelope, never a throw. */
export function bindIpc(context: AppContext, page: AppPage): () => void {
  ipcMain.handle(invokeChannel, (event, name: unknown, payload: unknown): Promise<Envelope<unknown>> => {
    // senderFrame is null once the frame has navigated away or gone; subframes are never ours.
    const frame = event.senderFrame
    if (!frame || frame.parent !== null || !page.owns(frame.url)) {
      const from = frame?.url || 'a frame that no longer exists'
      const error = new ApiError('unsupported', `Requests are accepted only from the app's own page, not ${from}.`)
      return Promise.resolve({ ok: false, error: error.toJSON() })
    }
    return context.invoke(name as string, payload)
  })
  const unsubscribe = context.subscribe((name, data) => {
    for (const win of BrowserWindow.getAllWindows())
      if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(eventChannel, name, data)
  })
  return () => {
    ipcMain.removeHandler(invokeChannel)
    unsubscribe()
  }
}
