/**
 * The desktop app's main process: one window, the contract over IPC, job processes through
 * utilityProcess, and the same data directory as the CLI and serve mode.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { app, BrowserWindow, dialog, Menu, type OpenDialogOptions } from 'electron'
import { appPage } from './app-page'
import { createAppContext, type AppContext } from '../core/app-context'
import { resolveDataDir } from '../core/paths'
import type { ParsedPayload } from '../../shared/contract'
import { bindIpc } from './ipc'
import { buildMenu } from './menu'
import { applySecurityPolicy } from './security'
import { UtilityLauncher } from './utility-launcher'
import { createMainWindow } from './window'

// Logged, not fatal: a failing job is the job manager's business and must not take the app down.
process.on('uncaughtException', (err) => console.error('Uncaught error in main:', err))
process.on('unhandledRejection', (err) => console.error('Unhandled rejection in main:', err))

// Absolute, as setPath requires (the environment variable may hold a relative path).
const dataDir = resolve(resolveDataDir())
app.setPath('userData', dataDir) // before ready, so Electron and the CLI share one folder

// electron-vite sets the dev server's address; a packaged app never takes its page from elsewhere.
const page = appPage(
  app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL,
  join(__dirname, '../renderer/index.html'),
)

/**
 * better-sqlite3 built for Electron's ABI, kept apart from Node's build so tests and the CLI keep
 * working: the path scripts/electron-native.mjs (electronSqliteBindingPath) writes to. Packaged
 * apps are rebuilt for Electron by electron-builder and use the default binding.
 */
function electronSqliteBinding(): string {
  const build = `electron-${process.versions.electron}-${process.platform}-${process.arch}`
  return join(app.getAppPath(), 'node_modules', '.electron-native', build, 'better_sqlite3.node')
}

function quitWith(title: string, message: string): void {
  dialog.showErrorBox(title, message)
  app.exit(1)
}

let mainWindow: BrowserWindow | null = null

function openMainWindow(): void {
  mainWindow = createMainWindow(dataDir, page)
  mainWindow.on('closed', () => (mainWindow = null))
}

async function openDialog({ kind, title, multiple, filters }: ParsedPayload<'dialog.open'>) {
  const options: OpenDialogOptions = {
    title,
    filters,
    properties: [kind === 'folder' ? 'openDirectory' : 'openFile', ...(multiple ? ['multiSelections' as const] : [])],
  }
  const parent = BrowserWindow.getFocusedWindow() ?? mainWindow
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
  return { paths: result.canceled ? [] : result.filePaths }
}

function start(): void {
  const sqliteBinding = app.isPackaged ? undefined : electronSqliteBinding()
  if (sqliteBinding && !existsSync(sqliteBinding))
    return quitWith(
      'Sentiment Studio cannot open its database',
      `The SQLite addon built for Electron ${process.versions.electron} is missing (${sqliteBinding}). Run \`npm run electron:native\` (or start with \`npm start\`, which runs it), then start again.`,
    )
  let context: AppContext
  try {
    context = createAppContext({
      dataDir,
      launcher: new UtilityLauncher(join(__dirname, 'worker.js')),
      transport: 'electron',
      openDialog,
      sqliteBinding,
    })
  } catch (err) {
    return quitWith('Sentiment Studio cannot open its data folder', `${dataDir}: ${(err as Error).message}`)
  }
  applySecurityPolicy(page)
  const unbindIpc = bindIpc(context, page)
  Menu.setApplicationMenu(buildMenu(dataDir))
  openMainWindow()
  app.on('activate', () => {
    if (!mainWindow) openMainWindow() // macOS: the dock icon reopens the window
  })

  // Jobs get their cancel request and the database closes before the app goes.
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

if (!app.requestSingleInstanceLock()) {
  app.quit() // the running instance gets 'second-instance' and comes forward
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.show()
    mainWindow.focus()
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => quitWith('Sentiment Studio could not start', String(err)))
}
