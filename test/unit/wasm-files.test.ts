/** Where the wasm backend finds its binaries, in a development tree and in a packaged app's layout. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { wasmBinaries, wasmFilesDir } from '../../src/main/core/engine/wasm-files'

let root: string
beforeEach(() => void (root = mkdtempSync(join(tmpdir(), 'wasm-files-'))))
afterEach(() => rmSync(root, { recursive: true, force: true }))

const packagePath = ['node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist']

function layFiles(folder: string, names: readonly string[]): void {
  mkdirSync(folder, { recursive: true })
  for (const name of names) writeFileSync(join(folder, name), 'wasm')
}

describe('the wasm binaries', () => {
  it('are read from app.asar.unpacked when the package runs from inside app.asar', () => {
    const resources = join(root, 'Sentiment Studio', 'resources')
    // The archive holds the scripts; electron-builder.yml unpacks the .wasm files beside it.
    layFiles(join(resources, 'app.asar.unpacked', ...packagePath), wasmBinaries)
    const main = join(resources, 'app.asar', ...packagePath, 'tf-backend-wasm.node.js')
    expect(wasmFilesDir(main)).toBe(join(resources, 'app.asar.unpacked', ...packagePath) + sep)
  })

  it('are read beside the script in a development tree', () => {
    const dist = join(root, 'project', ...packagePath)
    layFiles(dist, wasmBinaries)
    expect(wasmFilesDir(join(dist, 'tf-backend-wasm.node.js'))).toBe(dist + sep)
  })

  it('are refused with the folder and the missing names when the unpack step left some out', () => {
    const resources = join(root, 'resources')
    layFiles(join(resources, 'app.asar', ...packagePath), wasmBinaries) // packed, not unpacked
    layFiles(join(resources, 'app.asar.unpacked', ...packagePath), ['tfjs-backend-wasm.wasm'])
    const main = join(resources, 'app.asar', ...packagePath, 'tf-backend-wasm.node.js')
    expect(() => wasmFilesDir(main)).toThrow(
      `missing from ${join(resources, 'app.asar.unpacked', ...packagePath)}: tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm`,
    )
  })

  it('are all shipped by the installed package', () => {
    const main = createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm')
    expect(wasmFilesDir(main)).toMatch(/tfjs-backend-wasm[\\/]dist[\\/]$/)
  })
})
