/** The desktop app's data directory: the one the CLI and serve mode compute. */
import { resolve } from 'node:path'
import { app } from 'electron'
import { resolveDataDir } from '../core/paths'

/**
 * Points Electron's userData (its own files, and the single-instance lock) at the shared data
 * directory. Call before the app is ready and before asking for the lock.
 */
export function useSharedDataDir(): string {
  // Absolute, as setPath requires (the environment variable may hold a relative path).
  const dataDir = resolve(resolveDataDir())
  app.setPath('userData', dataDir)
  return dataDir
}
