/**
 * The real desktop shell, through Playwright's Electron support: start-up, the window, the isolated
 * page and the contract over IPC. Runs where an Electron binary and the Electron build of
 * better-sqlite3 exist, or against a packaged app (launch.ts); elsewhere it reports itself skipped
 * with the reason.
 */
import { expect, test } from '@playwright/test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { launchApp, makeDataDir, removeDataDir, skipReason } from './launch'

test.skip(skipReason !== null, skipReason ?? '')

test('the desktop app opens, isolates the page, answers over IPC and shows the backends', async () => {
  const dataDir = makeDataDir()
  try {
    const app = await launchApp(dataDir)
    try {
      const page = await app.firstWindow()
      await expect(page).toHaveTitle('Sentiment Studio')
      // One window, from the main process's side; packaged or not as launched.
      const main = await app.evaluate(({ app: electronApp, BrowserWindow }) => ({
        windows: BrowserWindow.getAllWindows().length,
        packaged: electronApp.isPackaged,
      }))
      expect(main).toEqual({ windows: 1, packaged: Boolean(process.env.SENTIMENT_STUDIO_APP) })
      await expect(page.getByRole('heading', { name: 'Sentiment Studio' })).toBeVisible()

      // Isolation: the bridge's three functions, and no Node in the page.
      const surface = await page.evaluate(() => {
        const g = globalThis as { studio?: object; require?: unknown; process?: unknown }
        return { studio: Object.keys(g.studio ?? {}).sort(), require: typeof g.require, process: typeof g.process }
      })
      expect(surface).toEqual({
        studio: ['invoke', 'pathForFile', 'subscribe'],
        require: 'undefined',
        process: 'undefined',
      })

      // The contract over IPC: answers and refusals both come back as envelopes.
      const answers = await page.evaluate(async () => {
        const studio = (globalThis as { studio?: { invoke(n: string, p: unknown): Promise<unknown> } }).studio!
        return [await studio.invoke('app.capabilities', {}), await studio.invoke('no.such.request', {})]
      })
      expect(answers[0]).toMatchObject({ ok: true, result: { transport: 'electron', nativeDialogs: true, dataDir } })
      expect(answers[1]).toMatchObject({ ok: false, error: { code: 'unknown_request' } })

      await page.getByTestId('nav-info').click()
      await expect(page.getByTestId('backend-row-wasm')).toContainText('yes', { timeout: 30_000 })
      await expect(page.getByText(dataDir).first()).toBeVisible()
    } finally {
      await app.close()
    }
    // The window's bounds were saved on close, into the same data folder.
    expect(existsSync(join(dataDir, 'window-state.json'))).toBe(true)
  } finally {
    removeDataDir(dataDir)
  }
})
