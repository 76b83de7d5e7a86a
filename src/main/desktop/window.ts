/** The main window: isolated, sandboxed, restored where it was, and only one at a time. */
import { join } from 'node:path'
import { app, BrowserWindow, screen } from 'electron'
import type { AppPage } from './app-page'
import { loadWindowState, saveWindowState, type Rectangle } from './window-state'

/** The work areas of the connected displays, the primary one first. */
function workAreas(): Rectangle[] {
  const primary = screen.getPrimaryDisplay()
  return [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea)
}

/** Saves after moves and resizes (debounced) and on close. */
function trackWindowState(win: BrowserWindow, dataDir: string): void {
  let timer: NodeJS.Timeout | undefined
  const save = () => {
    clearTimeout(timer)
    if (win.isDestroyed()) return
    try {
      saveWindowState(dataDir, { bounds: win.getNormalBounds(), maximized: win.isMaximized() })
    } catch (err) {
      console.error('Could not save the window state:', err)
    }
  }
  const schedule = () => {
    clearTimeout(timer)
    timer = setTimeout(save, 500)
  }
  win.on('resize', schedule)
  win.on('move', schedule)
  win.on('maximize', schedule)
  win.on('unmaximize', schedule)
  win.on('close', save)
}

function createMainWindow(dataDir: string, page: AppPage): BrowserWindow {
  const state = loadWindowState(dataDir, workAreas())
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Sentiment Studio',
    // Linux shows it in the title bar and task switcher (electron-builder.yml packs it too).
    icon: join(app.getAppPath(), 'resources', 'icon.png'),
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      // A middle click would ask for a new window; the open handler denies it, and this stops the event.
      disableBlinkFeatures: 'Auxclick',
    },
  })
  trackWindowState(win, dataDir)
  // Maximizing shows a window, so it waits until the page can paint.
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize()
    win.show()
  })
  page.load(win).catch((err: unknown) => console.error('Could not load the app page:', err))
  return win
}

export class MainWindow {
  private win: BrowserWindow | null = null

  constructor(
    private readonly dataDir: string,
    private readonly page: AppPage,
  ) {}

  /** The open window, if any (the parent of native dialogs). */
  get current(): BrowserWindow | null {
    return this.win
  }

  /** Opens the window unless it is open. Call after the app is ready (screen needs it). */
  open(): void {
    if (this.win) return
    this.win = createMainWindow(this.dataDir, this.page)
    this.win.on('closed', () => (this.win = null))
  }

  /** Brings the window forward: what a second launch of the app does. */
  focus(): void {
    if (!this.win) return
    if (this.win.isMinimized()) this.win.restore()
    this.win.show()
    this.win.focus()
  }
}
