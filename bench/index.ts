/**
 * `npm run bench [-- --only datasets,vectors,training,scoring,runs,accuracy,matmul] [--data DIR] [--work DIR]
 * [--presets a,b] [--backends wasm,tensorflow] [--per-class N] [--score-files N] [--datasets a,b]
 * [--budget MIN] [--autotune S]`: measures, prints a table and writes
 * bench-results/<timestamp>.json. Benchmarks measure; they do not pass or fail. `--presets` limits the
 * training suite to some presets (and `fasttext-peer`, the fastText binary's reference row);
 * `--backends` trains each preset on each of those backends side by side (default wasm);
 * `--per-class` trains every preset on at most N reviews per class, for a quick comparison;
 * `--score-files` scores only N test files per class (scoring suite, a quick look; it trains on the
 * first of `--backends` and always scores on wasm, the backend). The accuracy
 * suite takes `--datasets` (rt-polarity, sst5, tweets, tweets-no-emoticons, aclimdb), Auto's `--budget`
 * in minutes, fastText autotune's `--autotune` in seconds, `--folds N` (rt-polarity by N-fold
 * cross-validation, as published; Auto on the first `--auto-folds`), `--presets` (its preset rows)
 * and `--backend` (default auto, the app's choice).
 * `--peer keras,torch [--python PY] [--peer-seconds S]` trains the same models in the peers and writes
 * the comparison as the report's `training: [{preset, backend, samplesPerSecond, peers, ratio}]`;
 * `--set key=value` (repeatable) changes every preset's config. The matmul suite times each preset's
 * step products on `--backends` and in the peers (TensorFlow, PyTorch with `--python`): its ceilings.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { benchAccuracy } from './accuracy'
import { benchDatasets } from './datasets'
import { benchMatmul } from './matmul'
import { benchScoring } from './scoring'
import { benchRuns } from './runs'
import { benchTraining } from './training'
import { benchVectors } from './vectors'
import { backendNames, type BackendName } from '../src/shared/types'

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    data: { type: 'string', default: resolve(__dirname, '..', '..', 'shared', 'data') },
    work: { type: 'string', default: join(tmpdir(), 'sentiment-studio-bench') },
    presets: { type: 'string' },
    backends: { type: 'string', default: 'wasm' },
    'per-class': { type: 'string' },
    'score-files': { type: 'string' },
    // accuracy: which datasets, Auto's budget in minutes, fastText autotune's in seconds
    datasets: { type: 'string' },
    budget: { type: 'string', default: '5' },
    autotune: { type: 'string', default: '300' },
    folds: { type: 'string', default: '1' },
    'auto-folds': { type: 'string', default: '1' },
    // accuracy: what Auto and the presets train on (auto: the app's choice)
    backend: { type: 'string', default: 'auto' },
    peer: { type: 'string' },
    python: { type: 'string' },
    'peer-seconds': { type: 'string' },
    set: { type: 'string', multiple: true },
  },
})

const suites: Record<string, (work: string, data: string) => Promise<unknown>> = {
  datasets: (work, data) => benchDatasets(work, data),
  vectors: (work) => benchVectors(work),
  training: (work, data) =>
    benchTraining(work, data, {
      only: values.presets,
      backends: values.backends!.split(',').map((b) => b.trim()),
      perClass: values['per-class'] ? Number(values['per-class']) : undefined,
      peers: values.peer?.split(',').map((p) => p.trim()),
      python: values.python,
      peerSeconds: values['peer-seconds'] ? Number(values['peer-seconds']) : undefined,
      settings: values.set,
    }),
  scoring: (work, data) =>
    benchScoring(work, data, {
      presets: values.presets,
      perClass: values['per-class'] ? Number(values['per-class']) : undefined,
      scoreFiles: values['score-files'] ? Number(values['score-files']) : undefined,
      trainBackend: values.backends!.split(',')[0]!.trim(),
    }),
  runs: (work) => benchRuns(work),
  matmul: async () =>
    benchMatmul({
      presets: values.presets,
      backends: values.backends!.split(',').map((b) => b.trim()),
      python: values.python,
    }),
  accuracy: (work, data) =>
    benchAccuracy(work, data, {
      datasets: values.datasets,
      budgetMinutes: Number(values.budget),
      autotuneSeconds: Number(values.autotune),
      folds: Number(values.folds),
      autoFolds: Number(values['auto-folds']),
      presets: values.presets,
      backend: backendChoice(values.backend!),
    }),
}

const isBackendChoice = (name: string): name is 'auto' | BackendName =>
  name === 'auto' || backendNames.some((b) => b === name)

function backendChoice(name: string): 'auto' | BackendName {
  if (isBackendChoice(name)) return name
  throw new Error(`Unknown backend "${name}"; there are auto, ${backendNames.join(', ')}.`)
}

async function main() {
  const only = values.only?.split(',') ?? Object.keys(suites)
  mkdirSync(values.work!, { recursive: true })
  const results: Record<string, unknown> = {}
  for (const name of only) {
    const suite = suites[name]
    if (!suite) throw new Error(`Unknown benchmark "${name}"; there are ${Object.keys(suites).join(', ')}.`)
    process.stderr.write(`\n== ${name} ==\n`)
    results[name] = await suite(values.work!, values.data!)
    console.log(JSON.stringify({ [name]: results[name] }, null, 2))
  }
  const report = {
    at: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: +(totalmem() / 2 ** 30).toFixed(1),
      node: process.version,
    },
    results,
    training: (results.training as { table?: unknown } | undefined)?.table,
  }
  const outDir = resolve(__dirname, '..', 'bench-results')
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, `${report.at.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(report, null, 2))
  process.stderr.write(`\nWritten to ${file}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`Error: ${(err as Error).message}\n`)
  process.exit(1)
})
