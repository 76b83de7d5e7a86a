import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { explainLoadError, explainNoGpu } from '../../src/main/core/backends/explain'
import { selectBackend } from '../../src/main/core/backends/detect'
import { createAppContext } from '../../src/main/core/app-context'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()

describe('backend failure reasons', () => {
  it('says an optional native package is not installed and how to get it', () => {
    const reason = explainLoadError('cuda', "Cannot find module '@tensorflow/tfjs-node-gpu'", 'MODULE_NOT_FOUND')
    expect(reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/)
    expect(reason).toMatch(/npm install @tensorflow\/tfjs-node-gpu/)
  })

  it('names the missing CUDA library', () => {
    const message = 'libcudnn.so.8: cannot open shared object file: No such file or directory'
    expect(explainLoadError('cuda', message)).toBe(
      'CUDA library not found: libcudnn.so.8 (tfjs-node-gpu 4.x needs CUDA 11.x and cuDNN 8 on the library path).',
    )
  })

  it('names a missing libtensorflow', () => {
    const message = 'libtensorflow.so.2: cannot open shared object file: No such file or directory'
    expect(explainLoadError('tensorflow', message)).toMatch(/libtensorflow\.so\.2.*npm rebuild @tensorflow\/tfjs-node/)
  })

  it('explains a silent CPU fall-back of tfjs-node-gpu from its log', () => {
    const log =
      "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file"
    expect(explainNoGpu(log)).toMatch(/could not load libcudart\.so\.11\.0, so it would silently run on the CPU/)
    expect(explainNoGpu('E failed call to cuInit: CUDA_ERROR_NO_DEVICE')).toMatch(/no GPU is visible/)
  })

  it('selects the first available backend of the ladder', () => {
    const b = (name: 'cuda' | 'tensorflow' | 'wasm' | 'cpu', available: boolean) => ({
      name,
      available,
      reason: null,
      detail: null,
    })
    expect(selectBackend([b('cuda', false), b('tensorflow', true), b('wasm', true), b('cpu', true)])).toBe('tensorflow')
    expect(selectBackend([b('cuda', false), b('tensorflow', false), b('wasm', true), b('cpu', true)])).toBe('wasm')
    expect(selectBackend([b('cuda', false), b('tensorflow', false), b('wasm', false), b('cpu', true)])).toBe('cpu')
  })
})

describe('backend detection in job processes', () => {
  it('loads each backend in its own process and reports what it found', async () => {
    const ctx = createAppContext({
      dataDir: tempDir(),
      launcher: new ForkLauncher(join(__dirname, '..', '..', 'src', 'main', 'worker', 'index.ts')),
      transport: 'cli',
    })
    const info = await ctx.info.info(true)
    expect(info.backends.map((b) => b.name)).toEqual(['cuda', 'tensorflow', 'wasm', 'cpu'])
    const byName = Object.fromEntries(info.backends.map((b) => [b.name, b]))
    expect(byName.wasm).toMatchObject({ available: true, reason: null, detail: expect.stringMatching(/WebAssembly/) })
    expect(byName.cpu?.available).toBe(true)
    for (const native of ['cuda', 'tensorflow'] as const) {
      // Here the native packages cannot install; elsewhere they may, so accept either, but a reason must say why not.
      const b = byName[native]!
      if (!b.available) expect(b.reason).toMatch(/\w+/)
    }
    expect(byName[info.selectedBackend]?.available).toBe(true)
    const job = (await ctx.invoke('jobs.list', { kind: 'detect-backends' })) as {
      ok: true
      result: { status: string }[]
    }
    expect(job.result[0]?.status).toBe('succeeded')
    await ctx.close()
  })
})
