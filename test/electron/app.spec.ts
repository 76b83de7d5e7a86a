/**
 * The real desktop shell, through Playwright's Electron support. Runs where an Electron binary and
 * the Electron build of better-sqlite3 exist (`node node_modules/electron/install.js`, then
 * `npm run electron:native`); elsewhere it reports itself skipped with the reason.
 */
import { _electron as electron, expect, test } from '@playwright/test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { electronBinary, electronSqliteBindingPath } from '../../scripts/electron-native-path.mjs'

const root = join(__dirname, '..', '..')

/** The package returns its binary's path, and throws when the binary was never downloaded. */
const binary = electronBinary(root) as string | null
const binding = electronSqliteBindingPath(root) as string | null
const skipReason = !binary
  ? 'No Electron binary is installed here (the install skipped its download); run `node node_modules/electron/install.js` with network access.'
  : !binding || !existsSync(binding)
    ? 'better-sqlite3 has no build for this Electron yet; run `npm run electron:native`.'
    : null

test.skip(skipReason !== null, skipReason ?? '')

test('the desktop app opens, isolates the page, answers over IPC and shows the backends', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'studio-electron-'))
  try {
    const app = await electron.launch({ args: [root], env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: dataDir } })
    try {
      const page = await app.firstWindow()
      await expect(page).toHaveTitle('Sentiment Studio')
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
    rmSync(dataDir, { recursive: true, force: true })
  }
})
