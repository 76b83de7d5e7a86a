/**
 * The desktop app as users get it, checked without building installers (no Electron download here):
 * electron-builder's resolved configuration, on the project and on a packaged-layout fixture; the
 * icons made from the one SVG; and the release and CI workflows, through a workflow linter.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { electronBindingPath } from '../../src/main/desktop/native-binding'
import { wasmBinaries } from '../../src/main/core/engine/wasm-files'
// @ts-expect-error: plain .mjs scripts
import { resolvePackageConfig } from '../../scripts/package-config.mjs'
// @ts-expect-error: plain .mjs scripts
import { icnsEntries, icoSizes, linuxSizes, renderIcons } from '../../scripts/icons.mjs'

const root = join(__dirname, '..', '..')
const require = createRequire(__filename)

interface Resolved {
  appId: string
  productName: string
  targets: Record<'linux' | 'mac' | 'win', string[]>
  icons: Record<'linux' | 'mac' | 'win', string>
  signing: { macIdentity: string | null; hardenedRuntime: boolean }
  npmRebuild: boolean
  asarUnpacked: { file: string; unpacked: boolean; by: 'asarUnpack' | 'smartUnpack' | null }[]
  extraResources: { from: string; to: string }[]
}
const resolve = (dir: string, target?: { arch: string }): Promise<Resolved> => resolvePackageConfig(dir, target)

describe("the project's packaging configuration", () => {
  let resolved: Resolved
  beforeEach(async () => void (resolved ??= await resolve(root)))

  it('names the app and builds AppImage and .deb, an NSIS installer and a .dmg, unsigned (ad-hoc on macOS)', () => {
    expect(resolved).toMatchObject({ appId: 'org.sentimentstudio.app', productName: 'Sentiment Studio' })
    expect(resolved.targets).toEqual({ linux: ['AppImage', 'deb'], mac: ['dmg'], win: ['nsis'] })
    expect(resolved.signing).toEqual({ macIdentity: '-', hardenedRuntime: false })
  })

  it("points each platform at an icon that exists: Linux's sizes folder, macOS's .icns, Windows' .ico", () => {
    expect(resolved.icons).toEqual({ linux: 'resources/icons', mac: 'resources/icon.icns', win: 'resources/icon.ico' })
    for (const icon of Object.values(resolved.icons)) expect(existsSync(join(root, icon)), icon).toBe(true)
  })

  it("never rebuilds node_modules, whose better-sqlite3 is Node's build, and packs Electron's from resources", () => {
    expect(resolved.npmRebuild).toBe(false)
  })

  it("leaves better-sqlite3's binding and the wasm backend's binaries outside the asar archive", () => {
    const unpacked = new Map(resolved.asarUnpacked.filter((f) => f.unpacked).map((f) => [f.file, f.by]))
    expect(unpacked.get('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe('asarUnpack')
    // electron-builder's smartUnpack sees no native code in the wasm package: the rule is what unpacks it.
    for (const name of wasmBinaries)
      expect(unpacked.get(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${name}`)).toBe('asarUnpack')
    // Every native file of the installed packages (tfjs-node's libtensorflow too, where installed).
    expect(resolved.asarUnpacked.filter((f) => !f.unpacked)).toEqual([])
  })
})

describe('the packaging configuration on a packaged-layout fixture', () => {
  const platform = process.platform
  const otherPlatform = platform === 'win32' ? 'linux' : 'win32'
  let dir: string
  const touch = (path: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), 'x')
  }
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'package-config-'))
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'))
    copyFileSync(join(root, 'electron-builder.yml'), join(dir, 'electron-builder.yml'))
    touch('node_modules/better-sqlite3/build/Release/better_sqlite3.node')
    for (const name of wasmBinaries) touch(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${name}`)
    // Electron builds for two arches of this platform and one of another platform.
    for (const build of [`${platform}-x64`, `${platform}-arm64`, `${otherPlatform}-x64`])
      touch(`node_modules/.electron-native/electron-40.10.2-${build}/better_sqlite3.node`)
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('copies the Electron build of better-sqlite3 for the arch built to where the packaged app opens it', async () => {
    for (const arch of ['x64', 'arm64']) {
      const { extraResources } = await resolve(dir, { arch })
      const packagedPath = electronBindingPath({
        electron: '40.10.2',
        platform,
        arch,
        packaged: true,
        appPath: 'resources/app.asar',
        resourcesPath: 'resources',
      })
      expect(extraResources).toEqual([
        {
          from: `node_modules/.electron-native/electron-40.10.2-${platform}-${arch}/better_sqlite3.node`,
          to: packagedPath,
        },
      ])
    }
  })

  it("is refused by electron-builder's schema when a key is misspelt", async () => {
    const yml = readFileSync(join(dir, 'electron-builder.yml'), 'utf8')
    writeFileSync(join(dir, 'electron-builder.yml'), yml.replace('asarUnpack:', 'asarUnpak:'))
    await expect(resolve(dir)).rejects.toThrow(/asarUnpak/)
  })

  it('reports a wasm binary left inside the archive when the unpack rule is missing', async () => {
    const yml = readFileSync(join(dir, 'electron-builder.yml'), 'utf8')
    writeFileSync(join(dir, 'electron-builder.yml'), yml.replace("  - '**/*.wasm'\n", ''))
    const { asarUnpacked } = await resolve(dir)
    const packed = asarUnpacked.filter((f) => !f.unpacked).map((f) => f.file)
    expect(packed.sort()).toEqual(
      wasmBinaries.map((name) => `node_modules/@tensorflow/tfjs-backend-wasm/dist/${name}`).sort(),
    )
  })
})

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
  return [png.readUInt32BE(16), png.readUInt32BE(20)]
}

describe('the icons', () => {
  const resources = join(root, 'resources')

  it('come in every Linux size, as NxN.png files of that size', () => {
    for (const size of linuxSizes as number[])
      expect(pngSize(readFileSync(join(resources, 'icons', `${size}x${size}.png`)))).toEqual([size, size])
    expect(pngSize(readFileSync(join(resources, 'icon.png')))).toEqual([512, 512])
  })

  it('hold 16 to 256 px in the .ico, each a PNG of the size its directory entry says', () => {
    const ico = readFileSync(join(resources, 'icon.ico'))
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1])
    const count = ico.readUInt16LE(4)
    const sizes = Array.from({ length: count }, (_, i) => {
      const entry = 6 + 16 * i
      const size = ico.readUInt8(entry) || 256
      const png = ico.subarray(ico.readUInt32LE(entry + 12), ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8))
      expect(pngSize(png)).toEqual([size, size])
      return size
    })
    expect(sizes).toEqual(icoSizes)
  })

  it("hold 16 to 1024 px in the .icns, with the @2x variants, each a PNG of its type's size", () => {
    const icns = readFileSync(join(resources, 'icon.icns'))
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const entries: [string, number][] = []
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      const png = icns.subarray(at + 8, at + icns.readUInt32BE(at + 4))
      entries.push([icns.subarray(at, at + 4).toString('latin1'), pngSize(png)[0]])
    }
    expect(entries).toEqual(icnsEntries)
  })

  it('are what scripts/icons.mjs renders from resources/icon.svg today', async () => {
    const files: Map<string, Buffer> = await renderIcons(readFileSync(join(resources, 'icon.svg'), 'utf8'))
    const stale = [...files].filter(([name, bytes]) => !readFileSync(join(resources, name)).equals(bytes))
    expect(
      stale.map(([name]) => name),
      'run npm run icons',
    ).toEqual([])
  })
})

describe('the workflows', () => {
  const lint = (yaml: string): { errors: unknown[] } => require('@action-validator/core').validateWorkflow(yaml)
  const read = (name: string) => readFileSync(join(root, '.github', 'workflows', name), 'utf8')

  it('release.yml and ci.yml pass the workflow linter', () => {
    expect(lint(read('release.yml')).errors).toEqual([])
    expect(lint(read('ci.yml')).errors).toEqual([])
  })

  it('the linter refuses a step with an unknown key', () => {
    const broken = read('ci.yml').replace('      - run: npm ci\n', '      - run: npm ci\n        shel: bash\n')
    expect(lint(broken).errors).not.toEqual([])
  })

  it('release.yml runs on version tags, packages on all three systems and attaches the installers', () => {
    const release = read('release.yml')
    expect(release).toMatch(/tags: \['v\*\.\*\.\*'\]/)
    for (const os of ['ubuntu-latest', 'windows-latest', 'macos-latest']) expect(release).toContain(`os: ${os}`)
    expect(release).toContain('npm run package -- --${{ matrix.platform }} --publish never')
    expect(release).toContain('gh release create "$GITHUB_REF_NAME" installers/*')
    for (const ext of ['AppImage', 'deb', 'exe', 'dmg']) expect(release).toContain(`dist/*.${ext}`)
  })

  it('ci.yml runs npm test on pull requests, the Electron specs under Xvfb', () => {
    const ci = read('ci.yml')
    expect(ci).toMatch(/on:\n {2}pull_request:/)
    expect(ci).toMatch(/run: xvfb-run .* npm test/)
  })
})
