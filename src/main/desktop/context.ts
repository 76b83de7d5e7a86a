/** The AppContext of the desktop app: Electron's SQLite build, job processes through utilityProcess, native dialogs. */
import { existsSync } from 'node:fs'
import { app, dialog, type BrowserWindow } from 'electron'
import { createAppContext, type AppContext } from '../core/app-context'
import { StartupError } from './fatal'
import { chooseSqliteBinding } from './native-binding'
import { openDialogOver, saveDialogOver } from './open-dialog'
import { UtilityLauncher } from './utility-launcher'

/** better-sqlite3 built for Electron's ABI (native-binding.ts says where it lies and why). */
function electronSqliteBinding(): string | undefined {
  const choice = chooseSqliteBinding(
    {
      electron: process.versions.electron,
      platform: process.platform,
      arch: process.arch,
      packaged: app.isPackaged,
      appPath: app.getAppPath(),
      resourcesPath: process.resourcesPath,
    },
    existsSync,
  )
  if (choice.kind === 'missing')
    throw new StartupError(
      'Sentiment Studio cannot open its database',
      `The SQLite addon built for Electron ${process.versions.electron} is missing (${choice.path}). ${choice.fix}`,
    )
  return choice.kind === 'file' ? choice.path : undefined
}

/** Says, once the window is up, that the history is a read-only copy and why (the path and the cause). */
export function warnIfReadOnly(context: AppContext): void {
  if (!context.readOnly) return
  void dialog.showMessageBox({
    type: 'warning',
    title: 'Sentiment Studio',
    message: 'The history is shown read-only',
    detail: `${context.readOnly} Runs, datasets and scores can be viewed; anything that changes them will fail until the data folder can be written.`,
  })
}

/** Opens the data directory; `worker` is the built job-process entry. Throws a StartupError. */
export function openAppContext(dataDir: string, worker: string, mainWindow: () => BrowserWindow | null): AppContext {
  const sqliteBinding = electronSqliteBinding()
  try {
    return createAppContext({
      dataDir,
      launcher: new UtilityLauncher(worker),
      transport: 'electron',
      openDialog: openDialogOver(mainWindow),
      saveDialog: saveDialogOver(mainWindow),
      sqliteBinding,
      // A folder that cannot be written (a read-only mount, another user's) still shows its history.
      readOnlyFallback: true,
    })
  } catch (err) {
    throw new StartupError(
      'Sentiment Studio cannot open its data folder',
      `${dataDir}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
}
