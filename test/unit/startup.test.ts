import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()

describe('main process start-up', () => {
  it('loads no tfjs: only job processes and backend probes do', () => {
    const script = join(__dirname, '..', 'fixtures', 'startup-modules.ts')
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, tempDir()], { encoding: 'utf8' })
    const { ok, modules } = JSON.parse(out) as { ok: boolean; modules: string[] }
    expect(ok).toBe(true)
    // The probe itself works: the app's own modules and better-sqlite3 are in the list.
    expect(modules.some((m) => m.includes('app-context'))).toBe(true)
    expect(modules.some((m) => m.includes('better-sqlite3'))).toBe(true)
    expect(modules.filter((m) => m.includes('@tensorflow'))).toEqual([])
  })
})
