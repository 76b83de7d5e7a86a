/**
 * Where the wasm backend's binaries are. tfjs-backend-wasm looks beside its own script, which in a
 * packaged app lies inside `app.asar`; electron-builder.yml unpacks the `.wasm` files to the
 * `app.asar.unpacked` folder beside it, so they are real files that need no asar support to read.
 * Plain path logic, tested with a packaged-layout fixture.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'

const load = createRequire(__filename)

/** The three binaries tfjs-backend-wasm picks from (plain, SIMD, threaded SIMD). */
export const wasmBinaries = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const

const asar = `${sep}app.asar${sep}`

/**
 * The folder holding the binaries, with a trailing separator (tfjs joins prefix and name), given
 * the path of the package's main script. Throws naming the folder and the files it lacks.
 */
export function wasmFilesDir(packageMain: string, exists: (path: string) => boolean = existsSync): string {
  const dist = dirname(packageMain)
  const at = dist.indexOf(asar)
  const folder = at === -1 ? dist : `${dist.slice(0, at)}${sep}app.asar.unpacked${sep}${dist.slice(at + asar.length)}`
  const missing = wasmBinaries.filter((name) => !exists(join(folder, name)))
  if (missing.length > 0)
    throw new Error(`The wasm backend's files are missing from ${folder}: ${missing.join(', ')}. Reinstall the app.`)
  return folder + sep
}

/** Points tfjs-backend-wasm at its binaries: after the package loads, before `tf.setBackend('wasm')`. */
export function setWasmFiles(): void {
  const wasm: typeof import('@tensorflow/tfjs-backend-wasm') = load('@tensorflow/tfjs-backend-wasm')
  wasm.setWasmPaths(wasmFilesDir(load.resolve('@tensorflow/tfjs-backend-wasm')))
}
