/** The native file and folder picker behind the contract's dialog.open. */
import { BrowserWindow, dialog, type OpenDialogOptions } from 'electron'
import type { ParsedPayload } from '../../shared/contract'

/** Opens over the focused window, else over the main one, else on its own. */
export function openDialogOver(mainWindow: () => BrowserWindow | null) {
  return async ({ kind, title, multiple, filters }: ParsedPayload<'dialog.open'>) => {
    const options: OpenDialogOptions = {
      title,
      filters,
      properties: [kind === 'folder' ? 'openDirectory' : 'openFile', ...(multiple ? ['multiSelections' as const] : [])],
    }
    const parent = BrowserWindow.getFocusedWindow() ?? mainWindow()
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
    return { paths: result.canceled ? [] : result.filePaths }
  }
}
