/** Which better-sqlite3 build each runtime opens, on fixture folders laid out as each runtime has them. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chooseSqliteBinding, type NativeRuntime } from '../../src/main/desktop/native-binding'
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { electronSqliteBindingPath } from '../../scripts/electron-native-path.mjs'

let root: string
let project: string
let resources: string

function touch(path: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, 'binding')
}

function runtime(changes: Partial<NativeRuntime>): NativeRuntime {
  return {
    electron: '40.10.2',
    platform: 'linux',
    arch: 'x64',
    packaged: false,
    appPath: project,
    resourcesPath: resources,
    ...changes,
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'native-binding-'))
  project = join(root, 'project')
  // A packaged app: the code in resources/app.asar, extra resources beside it.
  resources = join(root, 'Sentiment Studio', 'resources')
  touch(join(project, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))
  touch(join(resources, 'app.asar'))
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('the better-sqlite3 binding', () => {
  it('is the default (Node ABI) build under plain Node, even inside a project with an Electron build', () => {
    touch(join(project, 'node_modules', '.electron-native', 'electron-40.10.2-linux-x64', 'better_sqlite3.node'))
    expect(chooseSqliteBinding(runtime({ electron: undefined }), existsSync)).toEqual({ kind: 'default' })
  })

  it("is the project's Electron build in development, for this Electron version, platform and arch", () => {
    const build = join(project, 'node_modules', '.electron-native', 'electron-40.10.2-linux-x64', 'better_sqlite3.node')
    touch(build)
    touch(join(project, 'node_modules', '.electron-native', 'electron-39.2.0-linux-x64', 'better_sqlite3.node'))
    expect(chooseSqliteBinding(runtime({}), existsSync)).toEqual({ kind: 'file', path: build })
  })

  it('is the copy among the resources in a packaged app, never the project folder', () => {
    touch(join(project, 'node_modules', '.electron-native', 'electron-40.10.2-win32-x64', 'better_sqlite3.node'))
    const packed = join(resources, 'native', 'electron-40.10.2-win32-x64', 'better_sqlite3.node')
    touch(packed)
    const choice = chooseSqliteBinding(
      runtime({ packaged: true, platform: 'win32', appPath: join(resources, 'app.asar') }),
      existsSync,
    )
    expect(choice).toEqual({ kind: 'file', path: packed })
  })

  it('names the missing file and the fix: a command in development, a reinstall when packaged', () => {
    const dev = chooseSqliteBinding(runtime({ arch: 'arm64' }), existsSync)
    expect(dev).toMatchObject({
      kind: 'missing',
      path: join(project, 'node_modules', '.electron-native', 'electron-40.10.2-linux-arm64', 'better_sqlite3.node'),
      fix: expect.stringContaining('npm run electron:native'),
    })
    // A build for another Electron version does not count.
    touch(join(resources, 'native', 'electron-39.2.0-darwin-arm64', 'better_sqlite3.node'))
    const packaged = chooseSqliteBinding(runtime({ packaged: true, platform: 'darwin', arch: 'arm64' }), existsSync)
    expect(packaged).toMatchObject({ kind: 'missing', fix: expect.stringContaining('reinstall') })
  })

  it('is where scripts/electron-native.mjs writes the Electron build', () => {
    const here = runtime({ platform: process.platform, arch: process.arch })
    const choice = chooseSqliteBinding(here, () => true)
    expect(choice).toEqual({ kind: 'file', path: electronSqliteBindingPath(project, '40.10.2') })
  })
})
