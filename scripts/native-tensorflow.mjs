// Builds the native TensorFlow rung without storage.googleapis.com: @tensorflow/tfjs-node's install
// downloads libtensorflow from there, and where that host is out of reach npm drops the package.
// TensorFlow's own Python wheel, fetched with pip from whatever index pip is configured with, holds
// the same C API (libtensorflow_cc.so.2 + libtensorflow_framework.so.2) and its headers: they go into
// the package's deps/, then node-pre-gyp builds the N-API binding against them.
//
//   node scripts/native-tensorflow.mjs          the CPU rung (@tensorflow/tfjs-node, tensorflow-cpu)
//   node scripts/native-tensorflow.mjs --gpu    the CUDA rung (@tensorflow/tfjs-node-gpu, tensorflow)
//   --force rebuilds a working binding; --strict exits 1 on failure (default: warn and exit 0, so
//   `npm ci && npm run native:tensorflow` never breaks an install: training then uses wasm).
//
// Idempotent: a binding that loads (built here, or installed normally with network) is left alone.
// The extracted libraries and headers are cached per wheel under ~/.cache/sentiment-studio (or
// $SENTIMENT_STUDIO_NATIVE_CACHE), outside node_modules, so they survive `npm ci`.
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = new Set(process.argv.slice(2))
const gpu = args.has('--gpu')
const force = args.has('--force')
const strict = args.has('--strict')

const tensorflowVersion = process.env.SENTIMENT_STUDIO_TENSORFLOW_VERSION ?? '2.21.0'
const rung = gpu
  ? { pkg: '@tensorflow/tfjs-node-gpu', wheel: 'tensorflow', name: 'cuda' }
  : { pkg: '@tensorflow/tfjs-node', wheel: 'tensorflow-cpu', name: 'tensorflow' }
const pkgDir = join(root, 'node_modules', ...rung.pkg.split('/'))
const cacheRoot =
  process.env.SENTIMENT_STUDIO_NATIVE_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sentiment-studio', 'native-tensorflow')
const cacheDir = join(cacheRoot, `${rung.wheel}-${tensorflowVersion}-${process.platform}-${process.arch}`)

/** The wheel's libraries and the headers tfjs-node's binding includes (C API, eager, tstring, status). */
const libraries = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']
const headerPrefixes = ['tensorflow/c/', 'xla/tsl/c/', 'tensorflow/core/platform/ctstring', 'tsl/platform/ctstring']
/** tfjs-node's install script looks for this name (libtensorflow 2.9.1 is what it would download). */
const installCheckName = 'libtensorflow.so.2.9.1'

class Failure extends Error {}

function say(line) {
  process.stderr.write(`native:${rung.name}: ${line}\n`)
}

function run(command, commandArgs, options = {}) {
  return spawnSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 64 << 20, ...options })
}

/** The last few lines a failed command printed, for the log under the one-sentence reason. */
function tail(result) {
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n')
}

function optionalVersion() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const version = pkg.optionalDependencies?.[rung.pkg] ?? pkg.dependencies?.[rung.pkg]
  if (!version) throw new Failure(`package.json does not list ${rung.pkg}.`)
  return version
}

/** Loads the package in a child process (a broken library may crash it) and reports what it runs. */
function probe() {
  const script = `
    const tf = require(${JSON.stringify(rung.pkg)})
    const b = tf.backend()
    const sum = tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).sum().dataSync()[0]
    if (sum !== 512) throw new Error('a test matrix product gave ' + sum)
    console.log(JSON.stringify({ tensorflow: b.binding.TF_Version, gpu: b.isUsingGpuDevice === true }))`
  const result = run(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  })
  if (result.status !== 0) return { ok: false, error: tail(result) }
  return { ok: true, ...JSON.parse(result.stdout.trim().split('\n').pop()) }
}

function pipCommand() {
  for (const [command, prefix] of [
    ['pip3', []],
    ['pip', []],
    ['python3', ['-m', 'pip']],
  ]) {
    const result = run(command, [...prefix, '--version'])
    if (result.status === 0) return [command, prefix]
  }
  throw new Failure(
    "pip is not installed (tried pip3, pip and python3 -m pip), so TensorFlow's wheel cannot be fetched.",
  )
}

/** Ensures node_modules holds the package; npm ci drops it when its own install script fails. */
function ensurePackage() {
  if (existsSync(join(pkgDir, 'package.json'))) return
  const spec = `${rung.pkg}@${optionalVersion()}`
  say(`${rung.pkg} is not in node_modules (its install needs network); installing ${spec} without its scripts…`)
  const result = run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', spec], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (result.status !== 0 || !existsSync(join(pkgDir, 'package.json'))) {
    process.stderr.write(`${tail(result)}\n`)
    throw new Failure(`npm could not install ${spec} (is the npm registry reachable?).`)
  }
}

/**
 * Extracts the entries of a wheel (a zip) that `map` names a destination for (a path relative to
 * `target`, or null to skip), with yauzl (a dependency). Returns the destinations written.
 */
async function extract(wheel, target, map) {
  const { default: yauzl } = await import('yauzl')
  const zip = await new Promise((resolve, reject) =>
    yauzl.open(wheel, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z))),
  )
  const written = new Set()
  try {
    await new Promise((resolve, reject) => {
      zip.on('error', reject)
      zip.on('end', resolve)
      zip.on('entry', (entry) => {
        const out = entry.fileName.endsWith('/') ? null : map(entry.fileName)
        if (!out) return zip.readEntry()
        written.add(out)
        mkdirSync(dirname(join(target, out)), { recursive: true })
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err)
          pipeline(stream, createWriteStream(join(target, out), { mode: 0o755 })).then(() => zip.readEntry(), reject)
        })
      })
      zip.readEntry()
    })
  } finally {
    zip.close()
  }
  return written
}

/** TensorFlow's libraries into lib/, the C headers the binding includes into include/. */
function tensorflowEntry(name) {
  if (libraries.some((lib) => name === `tensorflow/${lib}`)) return join('lib', name.slice('tensorflow/'.length))
  const header = name.startsWith('tensorflow/include/') ? name.slice('tensorflow/include/'.length) : null
  if (header && header.endsWith('.h') && headerPrefixes.some((p) => header.startsWith(p)))
    return join('include', header)
  if (/^[^/]+\.dist-info\/METADATA$/.test(name)) return 'METADATA'
  return null
}

/** An NVIDIA wheel's nvidia/<part>/{lib,bin}/ files (CUDA runtime, cuDNN, cuBLAS, ptxas…). */
function nvidiaEntry(name) {
  return /^nvidia\/[^/]+\/(lib|bin)\/[^/]+$/.test(name) ? name : null
}

function pipDownload(pip, prefix, spec, dir) {
  mkdirSync(dir, { recursive: true })
  // No --platform: the TensorFlow wheel is tagged manylinux_2_27, and pip picks the one for this Python.
  const result = run(pip, [...prefix, 'download', '--no-deps', '--only-binary=:all:', '-d', dir, spec], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'))
  if (result.status !== 0 || !wheel) {
    process.stderr.write(`${tail(result)}\n`)
    throw new Failure(
      `pip could not download ${spec}: no configured index serves a wheel for this Python and platform (see pip config list).`,
    )
  }
  return join(dir, wheel)
}

/** The CUDA wheels TensorFlow's `and-cuda` extra names, with their version ranges. */
function cudaRequirements(metadata) {
  return [...metadata.matchAll(/^Requires-Dist: (nvidia-[^;]+?)\s*;\s*extra == "and-cuda"/gm)].map((m) =>
    m[1].replace(/\s+/g, ''),
  )
}

/** Downloads the wheel(s) once and keeps only what the binding needs, in the cache. */
async function ensureCache() {
  const stamp = join(cacheDir, 'complete')
  if (existsSync(stamp)) {
    say(`using the cached TensorFlow ${tensorflowVersion} libraries in ${cacheDir}`)
    return
  }
  const [pip, prefix] = pipCommand()
  const work = `${cacheDir}.partial-${process.pid}`
  rmSync(work, { recursive: true, force: true })
  try {
    const spec = `${rung.wheel}==${tensorflowVersion}`
    say(`downloading ${spec} with pip (${gpu ? 'about 600 MB' : 'about 270 MB'})…`)
    const wheel = pipDownload(pip, prefix, spec, join(work, 'wheels'))
    say('extracting the libraries and C headers…')
    const written = await extract(wheel, work, tensorflowEntry)
    for (const lib of libraries)
      if (!written.has(join('lib', lib))) throw new Failure(`the wheel ${wheel} holds no tensorflow/${lib}.`)
    if (!written.has(join('include', 'tensorflow', 'c', 'c_api.h')))
      throw new Failure(`the wheel ${wheel} holds no C headers (tensorflow/include/tensorflow/c/c_api.h).`)
    if (gpu) {
      const requirements = cudaRequirements(readFileSync(join(work, 'METADATA'), 'utf8'))
      if (requirements.length === 0) throw new Failure(`the wheel ${wheel} names no CUDA libraries (extra and-cuda).`)
      for (const requirement of requirements) {
        say(`downloading ${requirement}…`)
        const dir = join(work, 'wheels', requirement.replace(/[^\w.-]/g, '_'))
        await extract(pipDownload(pip, prefix, requirement, dir), work, nvidiaEntry)
      }
    }
    rmSync(join(work, 'wheels'), { recursive: true, force: true })
    writeFileSync(stamp.replace(cacheDir, work), `${spec}\n`)
    rmSync(cacheDir, { recursive: true, force: true })
    mkdirSync(dirname(cacheDir), { recursive: true })
    renameSync(work, cacheDir)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** A hard link where the cache shares the file system (no second 850 MB), else a copy. */
function place(from, to) {
  try {
    linkSync(from, to)
  } catch {
    copyFileSync(from, to)
  }
}

function copyTree(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name)
    const target = join(to, entry.name)
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true })
      copyTree(source, target)
    } else place(source, target)
  }
}

/** deps/lib and deps/include as tfjs-node's binding.gyp and install script expect them. */
function stageDeps() {
  const deps = join(pkgDir, 'deps')
  rmSync(deps, { recursive: true, force: true })
  mkdirSync(join(deps, 'lib'), { recursive: true })
  copyTree(join(cacheDir, 'include'), join(deps, 'include'))
  for (const lib of libraries) place(join(cacheDir, 'lib', lib), join(deps, 'lib', lib))
  // The binding links -ltensorflow -ltensorflow_framework; libtensorflow_cc is the C API's home now.
  const links = {
    'libtensorflow.so.2': 'libtensorflow_cc.so.2',
    'libtensorflow.so': 'libtensorflow.so.2',
    [installCheckName]: 'libtensorflow_cc.so.2',
    'libtensorflow_framework.so': 'libtensorflow_framework.so.2',
  }
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(deps, 'lib', name))
  if (existsSync(join(cacheDir, 'nvidia'))) {
    // The GPU wheel's libraries look for CUDA in $ORIGIN/../nvidia/<part>/lib (pip's layout) or
    // beside themselves ($ORIGIN): both are provided, so no LD_LIBRARY_PATH is needed.
    copyTree(join(cacheDir, 'nvidia'), join(deps, 'nvidia'))
    for (const part of readdirSync(join(deps, 'nvidia'))) {
      const lib = join(deps, 'nvidia', part, 'lib')
      if (!existsSync(lib)) continue
      for (const name of readdirSync(lib))
        if (/\.so(\.|$)/.test(name) && !existsSync(join(deps, 'lib', name)))
          symlinkSync(join('..', 'nvidia', part, 'lib', name), join(deps, 'lib', name))
    }
  }
}

/** Node's headers: npm's nodedir setting, else the ones installed beside this node binary. */
function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir,
    run('npm', ['config', 'get', 'nodedir']).stdout?.trim(),
    join(dirname(process.execPath), '..'),
  ]
  return candidates.find((dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h'))) ?? null
}

function checkToolchain() {
  const compiler = process.env.CXX ?? 'c++'
  if (run(compiler, ['--version']).status !== 0)
    throw new Failure(
      `no C++ compiler (${compiler}) is installed, so the binding cannot be built (apt-get install g++).`,
    )
  if (run('make', ['--version']).status !== 0)
    throw new Failure('make is not installed, so the binding cannot be built (apt-get install make).')
}

function buildBinding() {
  const nodedir = nodeHeaders()
  if (!nodedir) say("Node's headers are not installed beside node; node-gyp will try to download them.")
  const preGyp = join(root, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp')
  if (!existsSync(preGyp)) throw new Failure(`node-pre-gyp is missing (${rung.pkg} depends on it); run npm ci.`)
  say(
    `building the N-API binding (about a minute on two cores)${nodedir ? ` against Node's headers in ${nodedir}` : ''}…`,
  )
  rmSync(join(pkgDir, 'lib'), { recursive: true, force: true })
  rmSync(join(pkgDir, 'build'), { recursive: true, force: true })
  const result = run(process.execPath, [preGyp, 'install', '--build-from-source'], {
    cwd: pkgDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
  })
  if (result.status !== 0) {
    process.stderr.write(`${tail(result)}\n`)
    throw new Failure(`node-pre-gyp could not build ${rung.pkg}'s binding (the compiler's output is above).`)
  }
  rmSync(join(pkgDir, 'build'), { recursive: true, force: true })
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Failure(
      `the wheel route is for Linux x86-64 (this is ${process.platform}-${process.arch}); install ${rung.pkg} with network instead.`,
    )
  if (gpu && !existsSync('/proc/driver/nvidia/version'))
    throw new Failure(
      'no NVIDIA driver is loaded here (/proc/driver/nvidia/version is missing), so the CUDA rung cannot run.',
    )
  ensurePackage()
  if (!force) {
    const found = probe()
    if (found.ok && (!gpu || found.gpu)) {
      say(`${rung.pkg} already loads (TensorFlow ${found.tensorflow}); nothing to do.`)
      return
    }
  }
  checkToolchain()
  await ensureCache()
  say(`placing the libraries and headers in ${join(pkgDir, 'deps')}…`)
  stageDeps()
  buildBinding()
  const built = probe()
  if (!built.ok) {
    process.stderr.write(`${built.error}\n`)
    throw new Failure(`the binding was built but ${rung.pkg} does not load (the error is above).`)
  }
  if (gpu && !built.gpu)
    throw new Failure(
      'tfjs-node-gpu was built and loads, but TensorFlow found no usable GPU (driver, CUDA 12 or cuDNN 9 libraries missing from the library path), so it would silently run on the CPU.',
    )
  say(`done: ${rung.pkg} runs TensorFlow ${built.tensorflow}${gpu ? ' on the GPU' : ' on the CPU'}.`)
}

try {
  await main()
} catch (err) {
  const reason = err instanceof Failure ? err.message : `unexpected error: ${err?.stack ?? err}`
  say(`${strict ? 'failed' : 'skipped'}: ${reason}`)
  if (!strict) say('training will use the next backend of the ladder (wasm); run again once the cause is fixed.')
  process.exitCode = strict ? 1 : 0
}
