/**
 * Starts the desktop app for the Playwright _electron specs: the project's Electron on the built
 * `out/` (development), or a packaged app's executable named by SENTIMENT_STUDIO_APP (the release
 * workflow points it at dist/linux-unpacked). Where neither can run, `skipReason` says why.
 */
import { _electron as electron, type ElectronApplication } from '@playwright/test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { electronBinary, electronSqliteBindingPath } from '../../scripts/electron-native-path.mjs'

export const root = join(__dirname, '..', '..')
const packaged = process.env.SENTIMENT_STUDIO_APP ? resolve(root, process.env.SENTIMENT_STUDIO_APP) : null
const binary = electronBinary(root) as string | null
const binding = electronSqliteBindingPath(root) as string | null

export const skipReason: string | null = packaged
  ? existsSync(packaged)
    ? null
    : `SENTIMENT_STUDIO_APP names ${packaged}, which does not exist; run npm run package first.`
  : !binary
    ? 'No Electron binary is installed here (the install skipped its download); run `node node_modules/electron/install.js` with network access.'
    : !binding || !existsSync(binding)
      ? 'better-sqlite3 has no build for this Electron yet; run `npm run electron:native`.'
      : null

/** A fresh data directory for one test; `removeDataDir` deletes it. */
export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'studio-electron-'))
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true })
}

/** The app on the given data directory. */
export function launchApp(dataDir: string): Promise<ElectronApplication> {
  const env = { ...process.env, SENTIMENT_STUDIO_DATA_DIR: dataDir }
  return packaged
    ? electron.launch({ executablePath: packaged, args: [], env })
    : electron.launch({ args: [root], env })
}
