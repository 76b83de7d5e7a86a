// Builds main, preload and renderer with electron-vite, and records when, so that `npm run cli`,
// `npm run serve` and `npm start` rebuild only when the sources changed.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stamp = join(root, 'out', '.build-stamp')
const inputs = [
  'src',
  'package.json',
  'package-lock.json',
  'electron.vite.config.ts',
  'tsconfig.node.json',
  'tsconfig.web.json',
]

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), s.mtimeMs)
}

export function buildIsStale() {
  if (!existsSync(stamp) || !existsSync(join(root, 'out', 'main', 'cli.js'))) return true
  const built = statSync(stamp).mtimeMs
  return inputs.some((p) => newestMtime(join(root, p)) > built)
}

/** Runs the build with its output on stderr, so a command's stdout stays its own. */
export function build() {
  const bin = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const result = spawnSync(process.execPath, [bin, 'build'], { cwd: root, stdio: ['ignore', 2, 2] })
  if (result.status !== 0) {
    process.stderr.write('Error: the build failed (see above); fix it, or run npm ci if dependencies are missing.\n')
    process.exit(1)
  }
  writeFileSync(stamp, new Date().toISOString())
}

export function ensureBuilt() {
  if (!buildIsStale()) return
  process.stderr.write('Building Sentiment Studio (first run, or the sources changed)…\n')
  build()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build()
