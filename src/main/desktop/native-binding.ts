/**
 * Which better-sqlite3 binding a process opens. The addon is not N-API, so Node and Electron each
 * need their own build, and node_modules/better-sqlite3 always keeps Node's (tests, CLI, serve).
 * `npm run electron:native` (scripts/electron-native.mjs, which computes the same folder) writes
 * Electron's build to `<base>/electron-<version>-<platform>-<arch>/better_sqlite3.node`, where the
 * base is `node_modules/.electron-native` in development and `<resources>/native` in a packaged app
 * (electron-builder.yml copies it there as an extra resource). Plain code, tested without Electron.
 */
import { join } from 'node:path'

export interface NativeRuntime {
  /** `process.versions.electron`; undefined under plain Node. */
  electron: string | undefined
  platform: string
  arch: string
  /** `app.isPackaged`. */
  packaged: boolean
  /** `app.getAppPath()`: the project folder in development. */
  appPath: string
  /** `process.resourcesPath`: where a packaged app's extra resources lie. */
  resourcesPath: string
}

export type BindingChoice =
  { kind: 'default' } | { kind: 'file'; path: string } | { kind: 'missing'; path: string; fix: string }

/** The folder name of one Electron build; the script and the packaged layout share it. */
export function electronBuildName(electron: string, platform: string, arch: string): string {
  return `electron-${electron}-${platform}-${arch}`
}

/** Where the Electron build should be for this runtime; null under Node, which uses the default. */
export function electronBindingPath(runtime: NativeRuntime): string | null {
  if (!runtime.electron) return null
  const base = runtime.packaged
    ? join(runtime.resourcesPath, 'native')
    : join(runtime.appPath, 'node_modules', '.electron-native')
  return join(base, electronBuildName(runtime.electron, runtime.platform, runtime.arch), 'better_sqlite3.node')
}

/** The binding to pass as better-sqlite3's `nativeBinding`, or why there is none. */
export function chooseSqliteBinding(runtime: NativeRuntime, exists: (path: string) => boolean): BindingChoice {
  const path = electronBindingPath(runtime)
  if (path === null) return { kind: 'default' }
  if (exists(path)) return { kind: 'file', path }
  const fix = runtime.packaged
    ? 'The installation is incomplete: reinstall Sentiment Studio.'
    : 'Run `npm run electron:native` (or start with `npm start`, which runs it), then start again.'
  return { kind: 'missing', path, fix }
}
