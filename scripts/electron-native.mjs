// better-sqlite3 is not N-API: node_modules/better-sqlite3 keeps the build for Node (tests, CLI,
// serve) and this script makes a second one for the installed Electron, in its own folder, without
// touching the first. Prebuilt binary first, then node-gyp against Electron's headers.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronSqliteBindingPath, electronVersion } from './electron-native-path.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const version = electronVersion(root)
if (!version) {
  process.stderr.write('Error: the electron package is not installed; run npm ci.\n')
  process.exit(1)
}
const target = electronSqliteBindingPath(root, version)
if (existsSync(target)) {
  process.stdout.write(`${target}\n`)
  process.exit(0)
}

const require = createRequire(join(root, 'package.json'))
const work = mkdtempSync(join(tmpdir(), 'sqlite-electron-'))
const pkg = join(work, 'better-sqlite3')
cpSync(dirname(require.resolve('better-sqlite3/package.json')), pkg, {
  recursive: true,
  filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`),
})

const run = (cmd, args) => spawnSync(cmd, args, { cwd: pkg, stdio: ['ignore', 2, 2] }).status === 0
const bin = (name) => join(root, 'node_modules', '.bin', name)
const electronArgs = [`--runtime=electron`, `--target=${version}`, `--arch=${process.arch}`]
process.stderr.write(`Building better-sqlite3 for Electron ${version}…\n`)
const built =
  run(process.execPath, [
    require.resolve('prebuild-install/bin.js'),
    '--runtime',
    'electron',
    '--target',
    version,
    '--arch',
    process.arch,
  ]) ||
  run(existsSync(bin('node-gyp')) ? bin('node-gyp') : 'node-gyp', [
    'rebuild',
    '--release',
    ...electronArgs,
    '--dist-url=https://electronjs.org/headers',
  ])

const output = join(pkg, 'build', 'Release', 'better_sqlite3.node')
if (!built || !existsSync(output)) {
  rmSync(work, { recursive: true, force: true })
  process.stderr.write(
    `Error: could not build better-sqlite3 for Electron ${version} (no prebuilt binary could be downloaded and node-gyp failed); check the network and a C++ toolchain, then run npm run electron:native.\n`,
  )
  process.exit(1)
}
mkdirSync(dirname(target), { recursive: true })
copyFileSync(output, target)
rmSync(work, { recursive: true, force: true })
process.stdout.write(`${target}\n`)
