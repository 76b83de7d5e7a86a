/** The contract over Electron IPC: one invoke channel, one event channel, from our own pages only. */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { ApiError } from '../shared/errors'
import type { AppContext } from './core/app-context'
import { isAppUrl } from './security'

export const invokeChannel = 'studio:invoke'
export const eventChannel = 'studio:event'

export function bindIpc(context: AppContext, devServer: string | undefined): () => void {
  ipcMain.handle(invokeChannel, (event: IpcMainInvokeEvent, name: unknown, payload: unknown) => {
    const url = event.senderFrame?.url ?? ''
    if (!isAppUrl(url, devServer))
      return {
        ok: false,
        error: new ApiError('unsupported', `Requests are accepted only from the app's own pages, not ${url}.`).toJSON(),
      }
    return context.invoke(name as string, payload)
  })
  const unsubscribe = context.subscribe((name, data) => {
    for (const win of BrowserWindow.getAllWindows())
      if (!win.isDestroyed()) win.webContents.send(eventChannel, name, data)
  })
  return () => {
    ipcMain.removeHandler(invokeChannel)
    unsubscribe()
  }
}
