/** The contract over Electron IPC: one invoke channel, one event channel, from our own page only. */
import { BrowserWindow, ipcMain } from 'electron'
import type { Envelope } from '../../shared/errors'
import type { AppPage } from './app-page'
import type { AppContext } from '../core/app-context'
import { refuseSender } from './guards'

export const invokeChannel = 'studio:invoke'
export const eventChannel = 'studio:event'

/** Binds the context to IPC; returns the unbinding. Every answer is an Envelope, never a throw. */
export function bindIpc(context: AppContext, page: AppPage): () => void {
  ipcMain.handle(invokeChannel, (event, name: unknown, payload: unknown): Promise<Envelope<unknown>> => {
    const refused = refuseSender(page, event.senderFrame)
    if (refused) return Promise.resolve({ ok: false, error: refused.toJSON() })
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
