/**
 * The desktop app's main process: one window, the contract over IPC, job processes through
 * utilityProcess, and the same data directory as the CLI and serve mode. Start-up, in order.
 */
import { join } from 'node:path'
import { app } from 'electron'
import { appPage, type AppPage } from './app-page'
import { openAppContext, warnIfReadOnly } from './context'
import { useSharedDataDir } from './data-dir'
import { logUncaughtErrors, quitWith } from './fatal'
import { bindIpc } from './ipc'
import { closeBeforeQuit, quitWhenWindowsClose } from './lifecycle'
import { setAppMenu } from './menu'
import { applySecurityPolicy } from './security'
import { claimSingleInstance } from './single-instance'
import { MainWindow } from './window'

function main(): void {
  logUncaughtErrors()
  const dataDir = useSharedDataDir() // before the lock, which lives there
  // electron-vite sets the dev server's address; a packaged app never takes its page from elsewhere.
  const devServer = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL
  const page = appPage(devServer, join(__dirname, '../renderer/index.html'))
  const mainWindow = new MainWindow(dataDir, page)
  if (!claimSingleInstance(() => mainWindow.focus())) return
  quitWhenWindowsClose()
  app
    .whenReady()
    .then(() => start(dataDir, page, mainWindow))
    .catch(quitWith)
}

function start(dataDir: string, page: AppPage, mainWindow: MainWindow): void {
  applySecurityPolicy(page)
  const context = openAppContext(dataDir, join(__dirname, 'worker.js'), () => mainWindow.current)
  const unbindIpc = bindIpc(context, page)
  setAppMenu(dataDir)
  mainWindow.open()
  warnIfReadOnly(context)
  app.on('activate', () => mainWindow.open()) // macOS: the dock icon reopens the window
  closeBeforeQuit(context, unbindIpc)
}

main()
