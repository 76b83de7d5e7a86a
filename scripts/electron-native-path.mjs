// Where the Electron binary and the Electron-ABI build of better-sqlite3 live; the app looks in the
// same place (src/main/desktop/native-binding.ts; test/unit/native-binding.test.ts checks they agree).
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

export function electronVersion(root) {
  const pkg = join(root, 'node_modules', 'electron', 'package.json')
  return existsSync(pkg) ? JSON.parse(readFileSync(pkg, 'utf8')).version : null
}

export function electronSqliteBindingPath(root, version = electronVersion(root)) {
  if (!version) return null
  return join(
    root,
    'node_modules',
    '.electron-native',
    `electron-${version}-${process.platform}-${process.arch}`,
    'better_sqlite3.node',
  )
}

/** The Electron binary's path, or null when its download was skipped (the package then throws). */
export function electronBinary(root) {
  try {
    const path = createRequire(join(root, 'package.json'))('electron')
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
}
