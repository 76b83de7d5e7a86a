/**
 * Every worker thread the main process starts (`startWorkerThread(dir, { built, source })`) is an
 * entry of electron-vite's main build, so the built app finds it beside worker.js; from source the
 * tests run the TypeScript and would not notice a missing entry.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '..', '..')
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )

describe('worker thread entries', () => {
  it('are all built by electron.vite.config.ts from the source file the code names', () => {
    const config = readFileSync(join(root, 'electron.vite.config.ts'), 'utf8')
    const started = sources(join(root, 'src', 'main')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/built: '([\w-]+)\.js', source: '([\w./-]+\.ts)'/g)].map((m) => ({
        name: m[1]!,
        source: relative(root, join(file, '..', m[2]!)),
      })),
    )
    expect(started.map((s) => s.name).sort()).toEqual(
      expect.arrayContaining(['direction-thread', 'recurrent-thread', 'score-read-thread']),
    )
    for (const { name, source } of started) expect(config, name).toContain(`'${name}': resolve(__dirname, '${source}')`)
  })
})
