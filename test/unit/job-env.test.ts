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
  it("sets glibc's allocator on Linux after the user's own tunables, each unless set, and leaves other systems alone", () => {
    const ours = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296'
    expect(jobEnv({ PATH: '/bin' }, 'linux')).toEqual({
      PATH: '/bin',
      GLIBC_TUNABLES: `glibc.malloc.hugetlb=1:${ours}`,
    })
    expect(jobEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES).toBe(
      `glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1:${ours}`,
    )
    // A user who set one either way keeps their setting and gets the others: =0 turns huge pages off.
    expect(jobEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux').GLIBC_TUNABLES).toBe(
      `glibc.malloc.hugetlb=0:${ours}`,
    )
    expect(jobEnv({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0' }, 'linux').GLIBC_TUNABLES).toBe(
      'glibc.malloc.trim_threshold=0:glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432',
    )
    const all = { GLIBC_TUNABLES: `glibc.malloc.hugetlb=0:${ours}` }
    expect(jobEnv(all, 'linux')).toBe(all)
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
    expect(printed).toMatch(/^glibc\.malloc\.arena_max=4:glibc\.malloc\.hugetlb=1:glibc\.malloc\.mmap_threshold=/)
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

  it.skipIf(process.platform !== 'linux')('lets freed tensor-sized blocks be reused without fresh page faults', () => {
    // Eight 10 MB blocks (a BiLSTM layer's tensors) made, freed and made again: with the huge-page
    // setting alone glibc unmaps them (their 80 MB top is over its trim threshold) and faults them in anew.
    const script = `const before = process.resourceUsage().minorPageFault
        for (let i = 0; i < 40; i++) {
          let blocks = Array.from({ length: 8 }, () => new Float32Array(10 << 18).fill(1))
          blocks = null
          gc()
        }
        console.log(process.resourceUsage().minorPageFault - before)`
    const faults = (env: NodeJS.ProcessEnv) =>
      Number(spawnSync(process.execPath, ['--expose-gc', '-e', script], { env, encoding: 'utf8' }).stdout.trim())
    const { GLIBC_TUNABLES: _, ...plain } = process.env
    const hugePagesOnly = faults({ ...plain, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' })
    const job = faults(jobEnv(plain))
    expect(job).toBeGreaterThan(0)
    expect(job).toBeLessThan(hugePagesOnly / 2)
  })
})
