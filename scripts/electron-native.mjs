// better-sqlite3 is not N-API: node_modules/better-sqlite3 keeps the build for Node (tests, CLI,
// serve) and this script makes a second one for the installed Electron, in its own folder, without
// touching the first. Prebuilt binary first, then node-gyp against Electron's headers. Prints the
// binding's path; exits 1 with a one-line reason when it cannot make one.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronSqliteBindingPath, electronVersion } from './electron-native-path.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function fail(reason) {
  process.stderr.write(`Error: ${reason}\n`)
  process.exit(1)
}

/** node-gyp as a script for this Node: the one npm runs scripts with, a local one, or npm's own. */
function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]
  return candidates.find((file) => file && existsSync(file)) ?? null
}

/** Builds in a copy of the package, so node_modules/better-sqlite3/build stays Node's. */
function build(version, work) {
  const source = dirname(createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json'))
  const pkg = join(work, 'better-sqlite3')
  cpSync(source, pkg, {
    recursive: true,
    filter: (file) => {
      const rel = relative(source, file)
      return rel !== 'build' && !rel.startsWith(`build${sep}`)
    },
  })
  const run = (script, args) =>
    spawnSync(process.execPath, [script, ...args], { cwd: pkg, stdio: ['ignore', 2, 2] }).status === 0
  const prebuildInstall = createRequire(join(source, 'package.json')).resolve('prebuild-install/bin.js')
  const nodeGyp = nodeGypScript()
  const built =
    run(prebuildInstall, ['--runtime', 'electron', '--target', version, '--arch', process.arch]) ||
    (nodeGyp !== null &&
      run(nodeGyp, [
        'rebuild',
        '--release',
        '--runtime=electron',
        `--target=${version}`,
        '--dist-url=https://electronjs.org/headers',
        `--arch=${process.arch}`,
      ]))
  const output = join(pkg, 'build', 'Release', 'better_sqlite3.node')
  return built && existsSync(output) ? output : null
}

const version = electronVersion(root)
if (!version) fail('the electron package is not installed; run npm ci.')
const target = electronSqliteBindingPath(root, version)
if (!existsSync(target)) {
  process.stderr.write(`Building better-sqlite3 for Electron ${version}…\n`)
  const work = mkdtempSync(join(tmpdir(), 'sqlite-electron-'))
  let problem = null
  try {
    const output = build(version, work)
    if (output) {
      mkdirSync(dirname(target), { recursive: true })
      // Copied then renamed, so an interrupted run never leaves a half-written binding that looks done.
      copyFileSync(output, `${target}.tmp`)
      renameSync(`${target}.tmp`, target)
    } else {
      problem =
        'no prebuilt binary could be downloaded and node-gyp failed (check the network and a C++ toolchain, then run npm run electron:native)'
    }
  } catch (err) {
    problem = err.message
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (problem) fail(`could not build better-sqlite3 for Electron ${version}: ${problem}.`)
  // Builds for other Electron versions of this platform would only be packed along (electron-builder.yml).
  const folder = dirname(target)
  const suffix = `-${process.platform}-${process.arch}`
  for (const other of readdirSync(dirname(folder)))
    if (other !== basename(folder) && other.startsWith('electron-') && other.endsWith(suffix))
      rmSync(join(dirname(folder), other), { recursive: true, force: true })
}
process.stdout.write(`${target}\n`)
