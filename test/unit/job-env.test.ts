import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { jobEnv } from '../../src/main/core/jobs/job-env'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const thpSetting = '/sys/kernel/mm/transparent_hugepage/enabled'
/** glibc backs its blocks with huge pages when asked only where the kernel allows them (not "[never]"). */
const hugePagesOffered = existsSync(thpSetting) && !readFileSync(thpSetting, 'utf8').includes('[never]')

describe("a job process's environment", () => {
  it("asks glibc for huge pages on Linux, after the user's own tunables, and leaves other systems alone", () => {
    expect(jobEnv({ PATH: '/bin' }, 'linux')).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' })
    expect(jobEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
    )
    // A user who set it either way keeps their setting: =0 turns huge pages off.
    const off = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }
    expect(jobEnv(off, 'linux')).toBe(off)
    expect(jobEnv({ PATH: 'C:\\' }, 'win32')).toEqual({ PATH: 'C:\\' })
    expect(jobEnv({ PATH: '/bin' }, 'darwin').GLIBC_TUNABLES).toBeUndefined()
  })

  it.skipIf(process.platform !== 'linux')('reaches the job processes the launcher starts', async () => {
    // A job entry that prints the setting it started with (glibc edits the copy /proc shows).
    const entry = join(tempDir(), 'print-tunables.js')
    writeFileSync(entry, 'process.stdout.write(String(process.env.GLIBC_TUNABLES))\n')
    const child = new ForkLauncher(entry, { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' }).launch()
    let printed = ''
    child.onStderr((text) => (printed += text))
    await new Promise((resolve) => child.onExit(resolve))
    expect(printed).toBe('glibc.malloc.arena_max=4:glibc.malloc.hugetlb=1')
  })

  // Skipped, with the reason in its name, where the kernel offers no transparent huge pages.
  it.skipIf(!hugePagesOffered)(`gets a large block in huge pages from glibc (${thpSetting} allows them)`, () => {
    const script = `const b = new Float32Array(16 << 20); b.fill(1)
        const rollup = require('fs').readFileSync('/proc/self/smaps_rollup', 'utf8')
        console.log(Number(/AnonHugePages:\\s+(\\d+)/.exec(rollup)[1]))`
    const hugeKb = (env: NodeJS.ProcessEnv) =>
      Number(spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }).stdout.trim())
    const { GLIBC_TUNABLES: _, ...plain } = process.env
    expect(hugeKb(jobEnv(plain))).toBeGreaterThanOrEqual(32 * 1024)
    // The check can fail: with the user's =0, glibc maps the same block in small pages.
    expect(hugeKb({ ...plain, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' })).toBeLessThan(32 * 1024)
  })
})
