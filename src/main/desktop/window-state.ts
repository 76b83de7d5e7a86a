/**
 * The main window's bounds and maximized state, kept across launches in the data directory, and put
 * back on a display that is still there (a monitor may have gone, or shrunk, since).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const rectangle = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
const savedState = z.object({ bounds: rectangle, maximized: z.boolean() })
export type Rectangle = z.infer<typeof rectangle>
export type WindowState = z.infer<typeof savedState>

/** What the window opens with: a place, or only a size (Electron centres it). */
export interface InitialWindow {
  bounds: Rectangle | { width: number; height: number }
  maximized: boolean
}

const fileName = 'window-state.json'
export const defaultSize = { width: 1280, height: 840 }

function overlap(a: Rectangle, b: Rectangle): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high)

/**
 * The bounds moved and shrunk as little as needed to lie inside the work area of the display they
 * overlap most. A window on no display is centred on the primary one (the first work area), as a new
 * window would be, keeping its size where that fits. Undefined when there is no display at all.
 */
export function placeOnDisplays(bounds: Rectangle, workAreas: readonly Rectangle[]): Rectangle | undefined {
  const [primary] = workAreas
  if (!primary) return undefined
  const best = workAreas.reduce((a, b) => (overlap(bounds, b) > overlap(bounds, a) ? b : a))
  const seen = overlap(bounds, best) > 0
  const area = seen ? best : primary
  const width = Math.min(bounds.width, area.width)
  const height = Math.min(bounds.height, area.height)
  const x = seen ? bounds.x : area.x + Math.round((area.width - width) / 2)
  const y = seen ? bounds.y : area.y + Math.round((area.height - height) / 2)
  return {
    x: clamp(x, area.x, area.x + area.width - width),
    y: clamp(y, area.y, area.y + area.height - height),
    width,
    height,
  }
}

/** The saved state placed on today's displays (primary first), else the default. */
export function loadWindowState(dataDir: string, workAreas: readonly Rectangle[]): InitialWindow {
  try {
    const saved = savedState.parse(JSON.parse(readFileSync(join(dataDir, fileName), 'utf8')))
    const bounds = placeOnDisplays(saved.bounds, workAreas)
    if (bounds) return { bounds, maximized: saved.maximized }
  } catch {
    // No saved state yet, or an unreadable or malformed one: start from the default.
  }
  return { bounds: defaultSize, maximized: false }
}

/**
 * Writes atomically (temp file + rename), and synchronously: the last save happens on close, and the
 * app may exit right after.
 */
export function saveWindowState(dataDir: string, state: WindowState): void {
  const file = join(dataDir, fileName)
  writeFileSync(`${file}.tmp`, JSON.stringify(state))
  renameSync(`${file}.tmp`, file)
}
