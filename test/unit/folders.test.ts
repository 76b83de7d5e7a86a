/** A run folder's swap (`engine/folders.ts`) after a crash left its previous folder as `.old`. */
import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readableFolder, writeFolder } from '../../src/main/core/engine/folders'

const root = mkdtempSync(join(tmpdir(), 'studio-folders-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const write = (dir: string, text: string) =>
  writeFolder(dir, async (tmp) => writeFileSync(join(tmp, 'model.json'), text))

describe('writeFolder after a crash', () => {
  it('swaps in over a folder whose .old a crash after the last swap left behind', async () => {
    const dir = join(root, 'after-swap')
    mkdirSync(`${dir}.old`, { recursive: true })
    writeFileSync(join(`${dir}.old`, 'model.json'), 'older')
    mkdirSync(dir)
    writeFileSync(join(dir, 'model.json'), 'newer')
    await write(dir, 'newest')
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe('newest')
    expect(existsSync(`${dir}.old`)).toBe(false)
  })

  it('keeps the .old a crash between the two renames left until the new folder is in place', async () => {
    const dir = join(root, 'between-renames')
    mkdirSync(`${dir}.old`, { recursive: true })
    writeFileSync(join(`${dir}.old`, 'model.json'), 'previous')
    expect(readableFolder(dir)).toBe(`${dir}.old`)
    await write(dir, 'next')
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe('next')
    expect(existsSync(`${dir}.old`)).toBe(false)
  })
})
