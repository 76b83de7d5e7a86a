// Where the Electron-ABI build of better-sqlite3 lives; src/main/index.ts computes the same path.
import { existsSync, readFileSync } from 'node:fs'
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
