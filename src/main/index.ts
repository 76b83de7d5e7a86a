/**
 * The desktop app's main process: one window, the contract over IPC, job processes through
 * utilityProcess, and the same data directory as the CLI and serve mode.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, Menu } from 'electron'
import { createAppContext, type AppContext } from './core/app-context'
import { resolveDataDir } from './core/paths'
import { bindIpc } from './ipc'
import { buildMenu } from './menu'
import { applySecurityPolicy } from './security'
import { UtilityLauncher } from './utility-launcher'
import { createMainWindow } from './window'

const dataDir = resolveDataDir()
app.setPath('userData', dataDir) // before ready, so Electron and the CLI share one folder
const devServer = process.env.ELECTRON_RENDERER_URL

/**
 * better-sqlite3 built for Electron's ABI, kept apart from Node's build so tests and the CLI keep
 * working (made by scripts/electron-native.mjs, which computes the same path). Packaged apps are
 * rebuilt by electron-builder and use the default binding.
 */
function sqliteBinding(): string | undefined {
  if (app.isPackaged) return undefined
  const file = join(
    app.getAppPath(),
    'node_modules',
    '.electron-native',
    `electron-${process.versions.electron}-${process.platform}-${process.arch}`,
    'better_sqlite3.node',
  )
  if (existsSync(file)) return file
  dialog.showErrorBox(
    'Sentiment Studio cannot open its database',
    `The SQLite addon for this Electron version is missing (${file}). Run \`npm run electron:native\` (or \`npm start\`) and start again.`,
  )
  app.exit(1)
  return undefined
}

let context: AppContext | null = null
let mainWindow: BrowserWindow | null = null

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  process.on('uncaughtException', (err) => console.error('Uncaught error in main:', err))
  process.on('unhandledRejection', (err) => console.error('Unhandled rejection in main:', err))

  void app.whenReady().then(() => {
    applySecurityPolicy(devServer)
    context = createAppContext({
      dataDir,
      launcher: new UtilityLauncher(join(__dirname, 'worker.js')),
      transport: 'electron',
      sqliteBinding: sqliteBinding(),
      openDialog: async ({ kind, title, multiple, filters }) => {
        const result = await dialog.showOpenDialog({
          title,
          filters,
          properties: [
            kind === 'folder' ? 'openDirectory' : 'openFile',
            ...(multiple ? (['multiSelections'] as const) : []),
          ],
        })
        return { paths: result.canceled ? [] : result.filePaths }
      },
    })
    bindIpc(context, devServer)
    Menu.setApplicationMenu(buildMenu(dataDir))
    mainWindow = createMainWindow(dataDir, devServer)
    mainWindow.on('closed', () => (mainWindow = null))
    app.on('activate', () => {
      if (!mainWindow) mainWindow = createMainWindow(dataDir, devServer)
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // Jobs get their cancel request and the database closes before the app goes.
  let closing = false
  app.on('before-quit', (event) => {
    if (!context || closing) return
    event.preventDefault()
    closing = true
    void context.close().finally(() => app.quit())
  })
}
