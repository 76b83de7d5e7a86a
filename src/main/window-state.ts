/** The main window's bounds and maximized state, kept across launches in the data directory. */
import { readFileSync } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { screen, type BrowserWindow, type Rectangle } from 'electron'

interface WindowState {
  bounds: Rectangle
  maximized: boolean
}

const fileName = 'window-state.json'
const fallback: WindowState = { bounds: { x: 0, y: 0, width: 1280, height: 840 }, maximized: false }

/** The saved state, if it still fits on a connected display (a monitor may have gone). */
export function loadWindowState(dataDir: string): WindowState & { placed: boolean } {
  try {
    const saved = JSON.parse(readFileSync(join(dataDir, fileName), 'utf8')) as WindowState
    const area = screen.getDisplayMatching(saved.bounds).workArea
    const fits =
      saved.bounds.x >= area.x &&
      saved.bounds.y >= area.y &&
      saved.bounds.x + saved.bounds.width <= area.x + area.width &&
      saved.bounds.y + saved.bounds.height <= area.y + area.height
    if (fits) return { ...saved, placed: true }
  } catch {
    // No saved state yet, or an unreadable one: start from the default.
  }
  return { ...fallback, placed: false }
}

/** Saves on every move and resize (debounced), atomically. */
export function trackWindowState(win: BrowserWindow, dataDir: string): void {
  let timer: NodeJS.Timeout | null = null
  const save = () => {
    if (win.isDestroyed()) return
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() }
    const file = join(dataDir, fileName)
    const temp = `${file}.tmp`
    void writeFile(temp, JSON.stringify(state))
      .then(() => rename(temp, file))
      .catch(() => {})
  }
  const schedule = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(save, 500)
  }
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(e as 'resize', schedule)
  win.on('close', save)
}
