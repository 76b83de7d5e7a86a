/** Where the main window reopens, against displays given as plain work areas (no Electron). */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultSize, loadWindowState, placeOnDisplays, saveWindowState } from '../../src/main/desktop/window-state'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const laptop = { x: 0, y: 0, width: 1920, height: 1050 } // primary, a 30 px task bar below
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1410 }

describe('placeOnDisplays', () => {
  it('keeps a window that lies inside a display', () => {
    const bounds = { x: 2100, y: 100, width: 1280, height: 840 }
    expect(placeOnDisplays(bounds, [laptop, rightMonitor])).toEqual(bounds)
  })

  it('centres a window on the primary display when its display is gone', () => {
    const onTheRight = { x: 2100, y: 100, width: 1280, height: 840 }
    expect(placeOnDisplays(onTheRight, [laptop])).toEqual({ x: 320, y: 105, width: 1280, height: 840 })
  })

  it('uses the first work area as the primary even when another lies further left', () => {
    const leftMonitor = { x: -1600, y: 0, width: 1600, height: 900 }
    const farAway = { x: 9000, y: 9000, width: 800, height: 600 }
    expect(placeOnDisplays(farAway, [laptop, leftMonitor])).toEqual({ x: 560, y: 225, width: 800, height: 600 })
  })

  it('moves a window that hangs over an edge back inside the display it overlaps most', () => {
    // Mostly on the right monitor, its right part past that monitor's edge.
    const overhanging = { x: 3800, y: -50, width: 1000, height: 700 }
    expect(placeOnDisplays(overhanging, [laptop, rightMonitor])).toEqual({ x: 3480, y: 0, width: 1000, height: 700 })
  })

  it('picks the display with the larger share of a window that straddles two', () => {
    const straddling = { x: 1700, y: 100, width: 1000, height: 700 } // 220 px on the laptop, 780 px on the right
    expect(placeOnDisplays(straddling, [laptop, rightMonitor])).toEqual({ x: 1920, y: 100, width: 1000, height: 700 })
  })

  it('shrinks a window larger than the display to its work area', () => {
    const huge = { x: 100, y: 100, width: 2560, height: 1440 } // saved on a bigger monitor
    expect(placeOnDisplays(huge, [laptop])).toEqual(laptop)
  })

  it('places nothing when no display is known', () => {
    expect(placeOnDisplays({ x: 0, y: 0, width: 800, height: 600 }, [])).toBeUndefined()
  })
})

describe('loadWindowState and saveWindowState', () => {
  it('round-trips the bounds and the maximized flag through the data directory', () => {
    const dir = tempDir()
    const state = { bounds: { x: 40, y: 60, width: 1000, height: 700 }, maximized: true }
    saveWindowState(dir, state)
    expect(JSON.parse(readFileSync(join(dir, 'window-state.json'), 'utf8'))).toEqual(state)
    expect(loadWindowState(dir, [laptop])).toEqual(state)
  })

  it('places the saved window on the displays of today', () => {
    const dir = tempDir()
    saveWindowState(dir, { bounds: { x: 2100, y: 100, width: 1280, height: 840 }, maximized: false })
    expect(loadWindowState(dir, [laptop])).toEqual({
      bounds: { x: 320, y: 105, width: 1280, height: 840 },
      maximized: false,
    })
  })

  it('falls back to the default size when nothing, or something malformed, was saved', () => {
    const dir = tempDir()
    const fallback = { bounds: defaultSize, maximized: false }
    expect(loadWindowState(dir, [laptop])).toEqual(fallback)
    for (const text of ['{not json', '{"bounds":{"x":1,"y":2,"width":"wide","height":3},"maximized":false}', '[]']) {
      writeFileSync(join(dir, 'window-state.json'), text)
      expect(loadWindowState(dir, [laptop])).toEqual(fallback)
    }
  })

  it('falls back to the default size when no display is known', () => {
    const dir = tempDir()
    saveWindowState(dir, { bounds: { x: 40, y: 60, width: 1000, height: 700 }, maximized: true })
    expect(loadWindowState(dir, [])).toEqual({ bounds: defaultSize, maximized: false })
  })
})
