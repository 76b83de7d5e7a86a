/**
 * The real desktop shell, through Playwright's Electron support. Runs where an Electron binary and
 * the Electron build of better-sqlite3 exist (`node node_modules/electron/install.js`, then
 * `npm run electron:native`); elsewhere it reports itself skipped with the reason.
 */
import { _electron as electron, expect, test } from '@playwright/test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { electronSqliteBindingPath } from '../../scripts/electron-native-path.mjs'

const root = join(__dirname, '..', '..')

function electronBinary(): string | null {
  try {
    const path = createRequire(join(root, 'package.json'))('electron') as unknown
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
}

const binary = electronBinary()
const binding = electronSqliteBindingPath(root) as string | null
const skipReason = !binary
  ? 'No Electron binary is installed here (the install skipped its download); run `node node_modules/electron/install.js` with network access.'
  : !binding || !existsSync(binding)
    ? 'better-sqlite3 has no build for this Electron yet; run `npm run electron:native`.'
    : null

test.skip(skipReason !== null, skipReason ?? '')

test('the desktop app opens, isolates the page and shows the backends', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'studio-electron-'))
  const app = await electron.launch({ args: [root], env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: dataDir } })
  try {
    const page = await app.firstWindow()
    await expect(page.getByRole('heading', { name: 'Sentiment Studio' })).toBeVisible()
    expect(await page.evaluate(() => typeof (globalThis as { studio?: unknown }).studio)).toBe('object')
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined')
    await page.getByTestId('nav-info').click()
    await expect(page.getByTestId('backend-row-wasm')).toContainText('yes')
    await expect(page.getByText(dataDir).first()).toBeVisible()
  } finally {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
