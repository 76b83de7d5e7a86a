/** The AppContext of the desktop app: Electron's SQLite build, job processes through utilityProcess, native dialogs. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { app, type BrowserWindow } from 'electron'
import { createAppContext, type AppContext } from '../core/app-context'
import { StartupError } from './fatal'
import { openDialogOver } from './open-dialog'
import { UtilityLauncher } from './utility-launcher'

/**
 * better-sqlite3 built for Electron's ABI, kept apart from Node's build so tests and the CLI keep
 * working: the path scripts/electron-native.mjs (electronSqliteBindingPath) writes to. Packaged
 * apps are rebuilt for Electron by electron-builder and use the default binding.
 */
function electronSqliteBinding(): string | undefined {
  if (app.isPackaged) return undefined
  const build = `electron-${process.versions.electron}-${process.platform}-${process.arch}`
  const binding = join(app.getAppPath(), 'node_modules', '.electron-native', build, 'better_sqlite3.node')
  if (!existsSync(binding))
    throw new StartupError(
      'Sentiment Studio cannot open its database',
      `The SQLite addon built for Electron ${process.versions.electron} is missing (${binding}). Run \`npm run electron:native\` (or start with \`npm start\`, which runs it), then start again.`,
    )
  return binding
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
      sqliteBinding,
    })
  } catch (err) {
    throw new StartupError(
      'Sentiment Studio cannot open its data folder',
      `${dataDir}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
}
