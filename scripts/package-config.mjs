// `npm run package:config`: the packaging configuration as electron-builder resolves it, checked with
// electron-builder's own schema, and what it does to the native parts, without building anything
// (no Electron download): the targets and icons per platform, which files of the native and wasm
// packages end up outside the asar archive, and which Electron build of better-sqlite3 is copied in.
// Prints JSON; test/unit/packaging-config.test.ts checks it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
// electron-builder's own loader, schema check, file matchers and macros (app-builder-lib internals).
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config')
const { getFileMatchers } = require('app-builder-lib/out/fileMatcher')
const { expandMacro } = require('app-builder-lib/out/util/macroExpander')
const { isLibOrExe } = require('app-builder-lib/out/asar/unpackDetector')
const { DebugLogger, log } = require('builder-util')
log.stream = process.stderr // stdout is the JSON

/** The packages whose native or wasm files the packaged app needs as real files. */
export const nativePackages = [
  'better-sqlite3',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
]
const platforms = { linux: 'linux', mac: 'darwin', win: 'win32' }

const targetNames = (target) =>
  (Array.isArray(target) ? target : [target]).map((t) => (typeof t === 'string' ? t : t.target))

function filesUnder(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
}

/** Slash-separated, so the output reads the same on every platform. */
const posix = (path) => path.split(sep).join('/')

/**
 * The resolved configuration of the project at `projectDir` for one arch, on this platform:
 * electron-builder packs for the platform it runs on, and its `${platform}` macro is that platform.
 */
export async function resolvePackageConfig(projectDir = root, { arch = process.arch } = {}) {
  const platform = process.platform
  const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'))
  const config = await getConfig(projectDir, null, null)
  await validateConfiguration(config, new DebugLogger(false))
  const platformKey = Object.keys(platforms).find((key) => platforms[key] === platform)
  const appInfo = {
    name: pkg.name,
    productName: config.productName,
    sanitizedProductName: config.productName,
    version: pkg.version,
  }
  const macroExpander = (pattern) => expandMacro(pattern, arch, appInfo, { os: platformKey })
  const matchers = (name) =>
    getFileMatchers(config, name, projectDir, {
      macroExpander,
      customBuildOptions: config[platformKey] ?? {},
      globalOutDir: join(projectDir, config.directories?.output ?? 'dist'),
      defaultSrc: projectDir,
    }) ?? []

  const [unpack] = matchers('asarUnpack')
  const isUnpacked = unpack ? unpack.createFilter() : () => false
  const nodeModules = join(projectDir, 'node_modules')
  // electron-builder also unpacks, by itself ("smartUnpack"), a whole package that holds a .node,
  // .so, .dylib, .dll or .exe file; files it would leave packed need an asarUnpack rule.
  const smartUnpack = config.asar?.smartUnpack !== false
  const asarUnpacked = nativePackages.flatMap((name) => {
    const files = filesUnder(join(nodeModules, ...name.split('/')))
    const smart = smartUnpack && files.some(isLibOrExe)
    return files
      .filter((file) => /\.(node|wasm|so(\.\d+)*|dylib|dll)$/.test(file))
      .map((file) => {
        const rule = isUnpacked(file, statSync(file))
        return {
          file: posix(relative(projectDir, file)),
          unpacked: rule || smart,
          by: rule ? 'asarUnpack' : smart ? 'smartUnpack' : null,
        }
      })
  })

  const extraResources = matchers('extraResources').flatMap((matcher) => {
    const keep = matcher.createFilter()
    return filesUnder(matcher.from)
      .filter((file) => keep(file, statSync(file)))
      .map((file) => ({
        from: posix(relative(projectDir, file)),
        to: posix(join('resources', relative(projectDir, matcher.to), relative(matcher.from, file))),
      }))
  })

  const icon = (key) => config[key]?.icon ?? null
  return {
    appId: config.appId,
    productName: config.productName,
    version: pkg.version,
    output: config.directories?.output ?? 'dist',
    targets: Object.fromEntries(Object.keys(platforms).map((key) => [key, targetNames(config[key]?.target ?? [])])),
    icons: Object.fromEntries(Object.keys(platforms).map((key) => [key, icon(key)])),
    signing: { macIdentity: config.mac?.identity ?? null, hardenedRuntime: config.mac?.hardenedRuntime ?? true },
    npmRebuild: config.npmRebuild ?? true,
    asarUnpack: config.asarUnpack ?? [],
    asarUnpacked,
    extraResources,
    buildFor: { platform, arch },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const resolved = await resolvePackageConfig()
  process.stdout.write(`${JSON.stringify(resolved, null, 2)}\n`)
  const packed = resolved.asarUnpacked.filter((f) => !f.unpacked)
  if (packed.length) {
    process.stderr.write(`Native files left inside the asar archive: ${packed.map((f) => f.file).join(', ')}\n`)
    process.exit(1)
  }
}
