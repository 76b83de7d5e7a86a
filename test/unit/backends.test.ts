import { describe, expect, it, onTestFinished } from 'vitest'
import { join } from 'node:path'
import { explainLoadError, explainNoGpu } from '../../src/main/core/backends/explain'
import { selectBackend } from '../../src/main/core/backends/detect'
import { applyThreadSettings, describeThreads, threadsVariable } from '../../src/main/core/backends/native'
import { createAppContext } from '../../src/main/core/app-context'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { useTempDir } from '../fixtures/temp-dir'
import { smallRecurrentSteps } from '../../src/main/core/engine/recurrent/fused-layers'
import { findPreset } from '../../src/shared/training/presets'
import { trainConfigSchema, type TrainConfig } from '../../src/shared/training/config'

const tempDir = useTempDir()

describe('backend failure reasons', () => {
  it('says an optional native package is not installed and how to get it', () => {
    const reason = explainLoadError('cuda', "Cannot find module '@tensorflow/tfjs-node-gpu'", 'MODULE_NOT_FOUND')
    expect(reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/)
    expect(reason).toMatch(/npm install @tensorflow\/tfjs-node-gpu/)
    expect(explainLoadError('tensorflow', "Cannot find module '@tensorflow/tfjs-node'", 'MODULE_NOT_FOUND')).toMatch(
      /offline with npm run native:tensorflow\.$/,
    )
  })

  it('says an installed native package whose addon was never built needs building, and how', () => {
    // What tfjs-node(-gpu) 4.22 throws when npm installed it but its install script did not build the binding.
    const message = (pkg: string) =>
      `The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/${pkg}/lib/napi-v8/tfjs_binding.node. \nPlease run command 'npm rebuild ${pkg} --build-addon-from-source' to rebuild the native addon module.`
    expect(explainLoadError('cuda', message('@tensorflow/tfjs-node-gpu'))).toBe(
      '@tensorflow/tfjs-node-gpu is installed but its native addon was never built (its install downloads libtensorflow, which failed or was skipped): build it with npm run native:tensorflow-gpu (on a machine with an NVIDIA GPU), or reinstall @tensorflow/tfjs-node-gpu with network access.',
    )
    expect(explainLoadError('tensorflow', message('@tensorflow/tfjs-node'))).toMatch(
      /^@tensorflow\/tfjs-node is installed but its native addon was never built .*build it with npm run native:tensorflow,/,
    )
  })

  it('names the missing CUDA library', () => {
    const message = 'libcudnn.so.8: cannot open shared object file: No such file or directory'
    expect(explainLoadError('cuda', message)).toMatch(
      /^CUDA library not found: libcudnn\.so\.8 \(tfjs-node-gpu needs the CUDA and cuDNN of its libtensorflow/,
    )
  })

  it('translates SENTIMENT_STUDIO_THREADS for TensorFlow unless its own variables are set', () => {
    const env: NodeJS.ProcessEnv = { [threadsVariable]: '3' }
    const settings = applyThreadSettings(env)
    expect(env).toMatchObject({ TF_NUM_INTRAOP_THREADS: '3', TF_NUM_INTEROP_THREADS: '3' })
    expect(describeThreads(settings)).toBe('3 intra-op and 3 inter-op threads, set by SENTIMENT_STUDIO_THREADS=3')
    const own: NodeJS.ProcessEnv = { [threadsVariable]: '3', TF_NUM_INTEROP_THREADS: '1' }
    expect(applyThreadSettings(own)).toMatchObject({ intraOp: 3, interOp: 1 })
    expect(applyThreadSettings({ TF_NUM_INTRAOP_THREADS: '2' })).toMatchObject({
      intraOp: 2,
      source: 'set by TF_NUM_INTRAOP_THREADS',
    })
    expect(applyThreadSettings({}).source).toBe("TensorFlow's default of one per core")
    expect(() => applyThreadSettings({ [threadsVariable]: 'two' })).toThrow(
      'SENTIMENT_STUDIO_THREADS must be a whole number of threads from 1 up, not "two".',
    )
  })

  it('keeps a core for the JavaScript thread when a recurrent model has small steps, unless threads are set', () => {
    const env: NodeJS.ProcessEnv = {}
    expect(applyThreadSettings(env, { smallSteps: true, cores: 4 })).toEqual({
      intraOp: 3,
      interOp: 4,
      source: "one intra-op thread fewer than the cores, for a recurrent model's small steps",
    })
    expect(env).toEqual({ TF_NUM_INTRAOP_THREADS: '3' })
    expect(applyThreadSettings({}, { smallSteps: true, cores: 1 })).toMatchObject({ intraOp: 1 })
    expect(applyThreadSettings({}, { smallSteps: false, cores: 4 })).toMatchObject({ intraOp: 4 })
    expect(applyThreadSettings({ [threadsVariable]: '2' }, { smallSteps: true, cores: 4 })).toMatchObject({
      intraOp: 2,
    })
    expect(applyThreadSettings({ TF_NUM_INTRAOP_THREADS: '4' }, { smallSteps: true, cores: 4 })).toMatchObject({
      intraOp: 4,
      source: 'set by TF_NUM_INTRAOP_THREADS',
    })
  })

  it('counts as small steps the gated recurrent presets of batch x units x directions up to 64 x 256', () => {
    const config = (name: string, changes: Partial<TrainConfig> = {}) =>
      trainConfigSchema.parse({ ...findPreset(name)!.config, ...changes })
    expect(smallRecurrentSteps(config('sentimentnet-bilstm'))).toBe(true)
    expect(smallRecurrentSteps(config('rnn-baseline', { model: 'lstm' }))).toBe(true)
    expect(smallRecurrentSteps(config('rnn-baseline', { model: 'gru', batchSize: 128 }))).toBe(false)
    expect(smallRecurrentSteps(config('rnn-baseline'))).toBe(false) // the simple RNN
    expect(smallRecurrentSteps(config('amazon-lstm'))).toBe(false)
    expect(smallRecurrentSteps(config('kim-cnn'))).toBe(false)
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
      version: null,
      threads: null,
    })
    expect(selectBackend([b('cuda', false), b('tensorflow', true), b('wasm', true), b('cpu', true)])).toBe('tensorflow')
    expect(selectBackend([b('cuda', false), b('tensorflow', false), b('wasm', true), b('cpu', true)])).toBe('wasm')
    expect(selectBackend([b('cuda', false), b('tensorflow', false), b('wasm', false), b('cpu', true)])).toBe('cpu')
  })
})

describe('backend detection in job processes', () => {
  it('loads each backend in its own process and reports what it found', async () => {
    // Probe processes inherit the environment: the thread setting must reach TensorFlow's report.
    process.env[threadsVariable] = '1'
    onTestFinished(() => {
      delete process.env[threadsVariable]
    })
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
      // Built (npm run native:tensorflow, or a networked install) or not, either is fine; what it says must be right.
      const b = byName[native]!
      if (b.available)
        expect(b).toMatchObject({
          version: expect.stringMatching(/^TensorFlow \d+\.\d+/),
          threads: '1 intra-op and 1 inter-op threads, set by SENTIMENT_STUDIO_THREADS=1',
        })
      else expect(b.reason).toMatch(/\w+/)
    }
    // auto: the first rung of the ladder that loads.
    expect(info.selectedBackend).toBe(info.backends.find((b) => b.available)?.name)
    if (byName.tensorflow?.available && !byName.cuda?.available) expect(info.selectedBackend).toBe('tensorflow')
    expect(byName[info.selectedBackend]?.available).toBe(true)
    const job = (await ctx.invoke('jobs.list', { kind: 'detect-backends' })) as {
      ok: true
      result: { status: string }[]
    }
    expect(job.result[0]?.status).toBe('succeeded')
    await ctx.close()
  })
})
