/** Where the app keeps its data: one folder shared by the desktop app, the CLI and serve mode. */
import { homedir } from 'node:os'
import { join } from 'node:path'

export const productName = 'Sentiment Studio'
export const dataDirEnv = 'SENTIMENT_STUDIO_DATA_DIR'

/** The per-user folder Electron's app.getPath('userData') gives for our productName. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env = process.env): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), productName)
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', productName)
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), productName)
}

/** An explicit folder (--data-dir) wins, then the environment variable, then the per-user default. */
export function resolveDataDir(explicit?: string, env = process.env): string {
  return explicit || env[dataDirEnv] || defaultDataDir(process.platform, env)
}

/** The fixed layout inside the data directory. */
export function dataPaths(dataDir: string) {
  return {
    db: join(dataDir, 'studio.db'),
    datasets: join(dataDir, 'datasets'),
    vectors: join(dataDir, 'vectors'),
    runs: join(dataDir, 'runs'),
    scores: join(dataDir, 'scores'),
    downloads: join(dataDir, 'downloads'),
  }
}
