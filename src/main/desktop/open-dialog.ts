/** The native file and folder pickers behind the contract's dialog.open and dialog.save. */
import { BrowserWindow, dialog, type OpenDialogOptions, type SaveDialogOptions } from 'electron'
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

/** Where to save a file (an export): the chosen path, or null when cancelled. */
export function saveDialogOver(mainWindow: () => BrowserWindow | null) {
  return async ({ title, suggestedName, filters }: ParsedPayload<'dialog.save'>) => {
    const options: SaveDialogOptions = { title, defaultPath: suggestedName, filters }
    const parent = BrowserWindow.getFocusedWindow() ?? mainWindow()
    const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options)
    return { path: result.canceled || !result.filePath ? null : result.filePath }
  }
}
