/** The main window's bounds and maximized state, kept across launches in the data directory. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { screen, type BrowserWindow, type Rectangle } from 'electron'

export interface WindowState {
  bounds: Rectangle
  maximized: boolean
}

const fileName = 'window-state.json'
const defaultSize = { width: 1280, height: 840 }

function isState(value: unknown): value is WindowState {
  const v = value as Partial<WindowState> | null
  const b = v?.bounds as Partial<Rectangle> | undefined
  return (
    typeof v?.maximized === 'boolean' &&
    [b?.x, b?.y, b?.width, b?.height].every((n) => typeof n === 'number' && Number.isFinite(n))
  )
}

/** Whether the rectangle lies inside the work area of the display it overlaps most. */
function fitsADisplay(bounds: Rectangle): boolean {
  const area = screen.getDisplayMatching(bounds).workArea
  return (
    bounds.x >= area.x &&
    bounds.y >= area.y &&
    bounds.x + bounds.width <= area.x + area.width &&
    bounds.y + bounds.height <= area.y + area.height
  )
}

/**
 * The saved state if it still fits a connected display (a monitor may have gone since), else a
 * default size that Electron centres. Call after the app is ready (screen needs it).
 */
export function loadWindowState(dataDir: string): { bounds: Partial<Rectangle>; maximized: boolean } {
  try {
    const saved: unknown = JSON.parse(readFileSync(join(dataDir, fileName), 'utf8'))
    if (isState(saved) && fitsADisplay(saved.bounds)) return saved
  } catch {
    // No saved state yet, or an unreadable one: start from the default.
  }
  return { bounds: defaultSize, maximized: false }
}

/** Saves after moves and resizes (debounced) and on close, atomically (temp file + rename). */
export function trackWindowState(win: BrowserWindow, dataDir: string): void {
  const file = join(dataDir, fileName)
  let timer: NodeJS.Timeout | undefined
  // Synchronous: the last save happens on close, and the app may exit right after.
  const save = () => {
    clearTimeout(timer)
    if (win.isDestroyed()) return
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() }
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(state))
      renameSync(`${file}.tmp`, file)
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
