// `npm run icons`: renders resources/icon.svg, the one source of the app's icons, into every file
// the platforms need, and `--check` says whether the committed files are what it would write.
//   resources/icon.png         512 px: the window icon (src/main/desktop/window.ts)
//   resources/icons/NxN.png    Linux (AppImage and .deb install each size into the hicolor theme)
//   resources/icon.ico         Windows (NSIS and the .exe): 16 to 256 px
//   resources/icon.icns        macOS: 16 to 1024 px, with the @2x variants
// Each size is rendered from the vector (not scaled down from one bitmap), so small ones stay sharp.
// @resvg/resvg-wasm is WebAssembly: it installs from the registry with no binary download.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const linuxSizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024]
export const icoSizes = [16, 24, 32, 48, 64, 128, 256]
/** ICNS entry types and their pixel sizes (ic11-ic14 are the @2x variants of 16, 32, 128, 256). */
export const icnsEntries = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic11', 32],
  ['icp6', 64],
  ['ic12', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic13', 256],
  ['ic09', 512],
  ['ic14', 512],
  ['ic10', 1024],
]

/** ICO holding PNG images (Windows Vista and later); 256 is written as 0 in the one-byte sizes. */
export function ico(images) {
  const header = Buffer.alloc(6 + 16 * images.length)
  header.writeUInt16LE(1, 2) // type: icon
  header.writeUInt16LE(images.length, 4)
  let offset = header.length
  images.forEach(({ size, png }, i) => {
    const entry = 6 + 16 * i
    header.writeUInt8(size % 256, entry)
    header.writeUInt8(size % 256, entry + 1)
    header.writeUInt16LE(1, entry + 4) // colour planes
    header.writeUInt16LE(32, entry + 6) // bits per pixel
    header.writeUInt32LE(png.length, entry + 8)
    header.writeUInt32LE(offset, entry + 12)
    offset += png.length
  })
  return Buffer.concat([header, ...images.map((i) => i.png)])
}

/** ICNS: a big-endian 'icns' header, then one (type, length, PNG) entry each. */
export function icns(entries) {
  const chunks = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8)
    head.write(type, 0, 'latin1')
    head.writeUInt32BE(png.length + 8, 4)
    return Buffer.concat([head, png])
  })
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'latin1')
  head.writeUInt32BE(8 + chunks.reduce((n, c) => n + c.length, 0), 4)
  return Buffer.concat([head, ...chunks])
}

/** Every icon file, relative path to bytes, rendered from the SVG. */
export async function renderIcons(svg) {
  const require = createRequire(import.meta.url)
  const { initWasm, Resvg } = require('@resvg/resvg-wasm')
  await initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')))
  const cache = new Map()
  const png = (size) => {
    if (!cache.has(size))
      cache.set(size, Buffer.from(new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng()))
    return cache.get(size)
  }
  const files = new Map([['icon.png', png(512)]])
  for (const size of linuxSizes) files.set(`icons/${size}x${size}.png`, png(size))
  files.set('icon.ico', ico(icoSizes.map((size) => ({ size, png: png(size) }))))
  files.set('icon.icns', icns(icnsEntries.map(([type, size]) => ({ type, png: png(size) }))))
  return files
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const resources = join(root, 'resources')
  const files = await renderIcons(readFileSync(join(resources, 'icon.svg'), 'utf8'))
  const check = process.argv.includes('--check')
  const stale = []
  for (const [name, bytes] of files) {
    const file = join(resources, name)
    if (check) {
      let old = null
      try {
        old = readFileSync(file)
      } catch {
        old = null
      }
      if (!old || !old.equals(bytes)) stale.push(name)
    } else {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, bytes)
    }
  }
  if (stale.length) {
    process.stderr.write(`Icons out of date with resources/icon.svg: ${stale.join(', ')}. Run npm run icons.\n`)
    process.exit(1)
  }
  process.stdout.write(`${check ? 'Checked' : 'Wrote'} ${files.size} icon files in resources/.\n`)
}
