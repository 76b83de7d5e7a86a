/**
 * Training benchmarks: every preset of src/shared/training.ts trained on the real aclImdb on the
 * wasm backend, the way the app does it (an AppContext on a temporary data directory whose job
 * processes run the real worker from source through tsx: `datasets.import`, `vectors.add`,
 * `runs.start`). Presets that would take hours on a small machine train on a stated subset (fewer
 * reviews, fewer epochs; never a smaller architecture), and the row says exactly which. Each bag
 * preset (`ngram-bag`) is followed by the `fasttext` binary (Debian package `fasttext`) on the same
 * train/test split in the run's resolved shape (word n-grams, dimension, buckets, the epochs it
 * trained; one thread per core), and its rows give their samples/s over the binary's (`vs fastText`);
 * `fasttext-peer` alone gives the binary in the preset's shape. Skipped with the reason when the
 * binary is not installed.
 *
 * `--backends wasm,tensorflow` trains each preset on each backend in turn, with the job process's
 * peak memory and the samples/s ratio to wasm; a backend that did not load gives a skipped row with
 * detection's reason. `--per-class N` caps every preset's data at N reviews per class.
 *
 * `--peer keras,torch` trains each preset's model in the same run in Keras 3 on TensorFlow and in
 * PyTorch (`bench/peers/*_train.py`, the preset's resolved config on generated rows of its real
 * shape and the dataset's vocabulary size) with `--python` (default `python3`; a virtual environment
 * holding tensorflow-cpu, keras and torch), and gives each backend's samples/s over the best peer's.
 * A peer whose packages do not import is skipped with the reason.
 *
 *   npm run bench -- --data ../shared/data --only training [--presets fasttext-bigram,kim-cnn]
 *     [--backends wasm,tensorflow] [--per-class 2500] [--peer keras,torch --python /work/venv-peers/bin/python]
 *     [--set lengthBuckets=false]
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { createGunzip } from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import { extract } from 'tar-stream'
import { printAligned } from './table'
import { fastTextLine, fastTextMissing, fastTextVersion, macroF1 } from './fasttext'
import { seededRandom, shuffle } from '../src/main/core/datasets/splits'
import { createAppContext, type AppContext } from '../src/main/core/app-context'
import { ForkLauncher, type JobLauncher, type JobProcess } from '../src/main/core/jobs/launcher'
import type { DatasetSummary, ImportSpecInput } from '../src/shared/datasets'
import type { Envelope } from '../src/shared/errors'
import { resultOf } from '../src/shared/job-catalog'
import type { TrainConfig } from '../src/shared/training/config'
import { presets } from '../src/shared/training/presets'
import { parseSetting } from '../src/shared/training/settings'
import type { RunHistory, RunRecord } from '../src/shared/training/results'
import { backendNames, type BackendName, type JobRecord } from '../src/shared/types'

const worker = join(__dirname, '..', 'src', 'main', 'worker', 'index.ts')
const reviewPath = /(?:^|\/)(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/

/**
 * How each preset is cut down so the whole suite ends in about an hour on 2 cores. `perClass`: train
 * on a dataset of the N lowest-numbered reviews of each class of aclImdb's train and of its test
 * split (the import then carves 20% of train into validation, as for the full set). The model, its
 * sizes, optimizer and sequence length stay the preset's.
 */
interface Plan {
  perClass?: number
  overrides?: Partial<TrainConfig>
}
const plans: Record<string, Plan> = {
  // A 256-unit simple RNN over 400 steps: about 0.8 s a step of 64 on wasm here, so the preset's
  // 5 epochs of 313 steps take over 20 minutes; this is 63 steps (75 s with validation and test).
  'rnn-baseline': { perClass: 2500, overrides: { epochs: 1 } },
  // Two bidirectional LSTM layers over 200 steps, 20 epochs: many hours.
  'sentimentnet-bilstm': { perClass: 2500, overrides: { epochs: 1 } },
  // Two LSTM layers of 512 on 400-d embeddings, batch 400: some 300 GMAC forward a step (run as
  // micro-batches on wasm), so minutes a step there and ~9 s on tensorflow; 4 steps here (1,600
  // training reviews) against 100 for the preset on aclImdb: two past the warm-up for the steady rate
  // (with one step, its rate was the first step's, weights building and kernel warm-up included).
  'amazon-lstm': { perClass: 1000, overrides: { epochs: 1 } },
}

const gloveFile = join('glove', 'glove.6B.100d.first2604.txt')

export interface TrainingRow {
  preset: string
  /** What was trained on, and what differs from the preset. */
  subset: string
  overrides: Record<string, unknown>
  dataset: { train: number; val: number; test: number; vocabSize: number }
  notes: string[]
  status: string
  error?: string
  backend?: string
  /** What ran the math, as the job reported it (library version, threads). */
  backendDetail?: string
  /** The job process's peak resident memory (VmHWM, sampled every 250 ms), in MB. */
  peakRssMb?: number
  /** samples/s on this backend divided by the wasm row's of the same preset. */
  vsWasm?: number
  /** A bag: samples/s divided by the fastText binary's on the same split and shape (same run). */
  vsFastText?: number
  /** The config the run trained with (size rules included): what the peers train. */
  config?: TrainConfig
  /** A bag: the settings the run resolved to (size rules included), which the fastText row copies. */
  bag?: {
    ngrams: number
    embeddingDim: number
    hashBuckets: number
    epochs: number
    batchSize: number
    bagTrainer: boolean
  }
  epochs?: number
  steps?: number
  testAccuracy?: number
  macroF1?: number
  trainSeconds?: number
  wallSeconds?: number
  samplesPerSecond?: number
  /**
   * samples/s after the first two steps (their harmonic mean: equal batches), as the peers are timed
   * after two warm-up steps; the first step builds the weights and warms the kernels (2-4 s for a
   * 12.5 M-weight dense layer), which a short benchmark run would otherwise charge to the rate.
   */
  steadySamplesPerSecond?: number
  bestValidation?: { step: number; epoch: number; loss: number; accuracy: number } | null
}

function ok<T>(answer: Envelope<unknown>, what: string): T {
  if (!answer.ok) throw new Error(`${what}: ${answer.error.message}`)
  return answer.result as T
}

async function importDataset(ctx: AppContext, input: ImportSpecInput): Promise<DatasetSummary> {
  const t0 = performance.now()
  const summary = resultOf(await ctx.jobs.finished(await ctx.request('datasets.import', { spec: input })))
  process.stderr.write(
    `training: imported ${summary.name} (${summary.counts.train} train / ${summary.counts.val} val / ${summary.counts.test} test, vocabulary ${summary.vocabSize}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  )
  return summary
}

/** The labelled reviews of the archive (`train|test/pos|neg/<id>_<rating>.txt` → text), read once. */
export async function readArchiveTexts(archive: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>()
  const tar = extract()
  tar.on('entry', (header, stream, next) => {
    const m = header.type === 'file' ? reviewPath.exec(header.name) : null
    if (!m) {
      stream.on('end', next)
      stream.resume()
      return
    }
    const chunks: Buffer[] = []
    stream.on('data', (c) => chunks.push(c as Buffer))
    stream.on('end', () => {
      texts.set(`${m[1]}/${m[2]}/${m[3]}_${m[4]}.txt`, Buffer.concat(chunks).toString('utf8'))
      next()
    })
  })
  await pipeline(createReadStream(archive), createGunzip(), tar)
  return texts
}

/** An aclImdb-layout folder with the `perClass` lowest-numbered reviews of each class of train and test. */
export function writeSubsetFolder(texts: Map<string, string>, dir: string, perClass: number): void {
  for (const split of ['train', 'test'])
    for (const label of ['neg', 'pos']) {
      const prefix = `${split}/${label}/`
      const names = [...texts.keys()]
        .filter((k) => k.startsWith(prefix))
        .sort((a, b) => parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length)))
        .slice(0, perClass)
      mkdirSync(join(dir, split, label), { recursive: true })
      for (const name of names) writeFileSync(join(dir, name), texts.get(name)!)
    }
}

const fmt = (n: number) => n.toLocaleString('en-US')

/**
 * Forks the job processes and keeps the highest peak resident memory (Linux's VmHWM) seen among them
 * since the last reset(): jobs run one at a time here, so that is the job's peak.
 */
class PeakMemoryLauncher implements JobLauncher {
  private readonly inner = new ForkLauncher(worker)
  private readonly live = new Set<number>()
  private peakKb = 0
  private readonly timer = setInterval(() => void this.sample(), 250)

  launch(): JobProcess {
    const child = this.inner.launch()
    const pid = child.pid
    if (pid !== undefined) {
      this.live.add(pid)
      child.onExit(() => this.live.delete(pid))
    }
    return child
  }

  reset(): void {
    this.peakKb = 0
  }

  /** Samples once more and gives the peak in MB, null where /proc has no VmHWM. */
  async peakMb(): Promise<number | null> {
    await this.sample()
    return this.peakKb > 0 ? Math.round(this.peakKb / 1024) : null
  }

  close(): void {
    clearInterval(this.timer)
  }

  private async sample(): Promise<void> {
    for (const pid of this.live) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
      this.peakKb = Math.max(this.peakKb, kb)
    }
  }
}

/** The order of the dataset's examples in one split, as the sources the import recorded. */
function splitSources(ctx: AppContext, datasetId: string, split: 'train' | 'test'): string[] {
  const text = readFileSync(join(ctx.datasets.folder(datasetId), `${split}.sources.txt`), 'utf8')
  return text.split('\n').filter(Boolean)
}

/** What the fastText binary is asked to train: the bag the Studio trained (its n-grams, dimension, buckets and epochs). */
interface FastTextShape {
  wordNgrams: number
  dim: number
  epochs: number
  buckets: number
}

/** fastText's own defaults in the preset's shape, for the reference row asked for alone (`fasttext-peer`). */
const defaultShape: FastTextShape = { wordNgrams: 2, dim: 50, epochs: 5, buckets: 2_000_000 }

/**
 * fastText itself on the dataset's own train and test split (validation left out, as the app trains
 * on train only), in the shape of a bag the Studio trained, on as many threads as there are cores.
 */
function fastTextPeer(
  ctx: AppContext,
  dataset: DatasetSummary,
  texts: Map<string, string>,
  work: string,
  shape: FastTextShape,
): Record<string, unknown> {
  const missing = fastTextMissing()
  if (missing) {
    process.stderr.write(`training: fastText peer ${missing}\n`)
    return { status: missing }
  }
  const dir = join(work, 'fasttext')
  mkdirSync(dir, { recursive: true })
  const files: Record<string, string> = {}
  const labels: Record<string, string[]> = {}
  for (const split of ['train', 'test'] as const) {
    const sources = splitSources(ctx, dataset.id, split)
    files[split] = join(dir, `${split}.txt`)
    labels[split] = sources.map((rel) => `__label__${rel.split('/')[1]}`)
    const lines = sources.map((rel) => fastTextLine(rel.split('/')[1]!, texts.get(rel)!))
    // fastText reads its input in order and does not shuffle: a file sorted by class trains badly.
    if (split === 'train') shuffle(lines, seededRandom(42))
    writeFileSync(files[split]!, lines.join('\n') + '\n')
  }
  const model = join(dir, 'm')
  const trainArgs = [
    'supervised',
    '-input',
    files.train!,
    '-output',
    model,
    '-wordNgrams',
    String(shape.wordNgrams),
    // fastText's own IMDB-style setting; its default rate (0.1) underfits in 5 epochs (85% here).
    '-lr',
    '0.5',
    '-epoch',
    String(shape.epochs),
    '-dim',
    String(shape.dim),
    '-bucket',
    String(shape.buckets),
    '-thread',
    String(cpus().length),
  ]
  process.stderr.write(`training: fasttext ${trainArgs.join(' ')}\n`)
  const t0 = performance.now()
  execFileSync('fasttext', trainArgs, { stdio: ['ignore', 'ignore', 'ignore'] })
  const trainSeconds = (performance.now() - t0) / 1000
  const t1 = performance.now()
  const tested = execFileSync('fasttext', ['test', `${model}.bin`, files.test!], { encoding: 'utf8' })
  const testSeconds = (performance.now() - t1) / 1000
  const predicted = execFileSync('fasttext', ['predict', `${model}.bin`, files.test!], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
    .split('\n')
    .filter(Boolean)
  const actual = labels.test!
  const correct = predicted.filter((p, i) => p === actual[i]).length
  return {
    status: 'succeeded',
    command: `fasttext ${trainArgs.join(' ')}; fasttext test m.bin test.txt`,
    shape,
    version: fastTextVersion(),
    data: `the aclImdb dataset's own split: ${fmt(labels.train!.length)} train / ${fmt(actual.length)} test reviews, lowercased, <br /> removed, punctuation split off, training lines shuffled (fastText reads in order)`,
    split: `full: ${fmt(labels.train!.length)} train / ${fmt(actual.length)} test`,
    testAccuracy: correct / actual.length,
    macroF1: macroF1(actual, predicted),
    fastTextTestOutput: tested.trim().split('\n').join('; '),
    trainSeconds: +trainSeconds.toFixed(2),
    testSeconds: +testSeconds.toFixed(2),
    // Its whole training command's time: reading the file and building the dictionary included.
    samplesPerSecond: Math.round((labels.train!.length * shape.epochs) / trainSeconds),
  }
}

/** The peer, or why it did not run (a failure is a row, not the end of the suite). */
function runFastText(...args: Parameters<typeof fastTextPeer>): Record<string, unknown> {
  try {
    return fastTextPeer(...args)
  } catch (err) {
    return { status: `failed: ${(err as Error).message}` }
  }
}

/** Steps left out of the steady rate, as the peers' scripts warm up. */
const warmUpSteps = 2

async function trainPreset(
  ctx: AppContext,
  launcher: PeakMemoryLauncher,
  name: string,
  backend: BackendName,
  dataset: DatasetSummary,
  overrides: Record<string, unknown>,
  subset: string,
  notes: string[],
): Promise<TrainingRow> {
  const row: TrainingRow = {
    preset: name,
    subset,
    overrides,
    dataset: { ...dataset.counts, vocabSize: dataset.vocabSize },
    notes,
    status: 'failed',
    backend,
  }
  const t0 = performance.now()
  launcher.reset()
  try {
    const queued = ok<RunRecord>(
      await ctx.invoke('runs.start', { datasetId: dataset.id, preset: name, overrides, backend }),
      `runs.start ${name}`,
    )
    const run = await ctx.runs.started(queued.id)
    if (!run.jobId) throw new Error(`runs.start ${name}: ${run.error ?? 'no job was started'}`)
    const job = await ctx.jobs.finished({ id: run.jobId, kind: 'train' })
    row.wallSeconds = +((performance.now() - t0) / 1000).toFixed(1)
    row.peakRssMb = (await launcher.peakMb()) ?? undefined
    row.status = job.status
    if (job.status !== 'succeeded') {
      row.error = job.error ?? undefined
      return row
    }
    const outcome = resultOf(job)
    const { config } = ctx.runs.get(run.id)
    row.config = config
    if (config.model === 'ngram-bag')
      row.bag = {
        ngrams: config.ngrams,
        embeddingDim: config.embeddingDim,
        hashBuckets: config.hashBuckets,
        epochs: config.epochs,
        batchSize: config.batchSize,
        bagTrainer: config.bagTrainer,
      }
    const history = ok<RunHistory>(await ctx.invoke('runs.history', { id: run.id }), 'runs.history')
    const steady = history.steps.slice(warmUpSteps)
    const vectorsLine = history.log.find((l) => l.startsWith('Word vectors:'))
    if (vectorsLine) notes.push(vectorsLine)
    Object.assign(row, {
      backend: outcome.backend,
      backendDetail: outcome.backendDetail,
      epochs: outcome.epochs,
      steps: outcome.steps,
      testAccuracy: outcome.test?.accuracy,
      macroF1: outcome.test?.f1,
      trainSeconds: +(outcome.durationMs / 1000).toFixed(1),
      samplesPerSecond: +outcome.samplesPerSecond.toFixed(1),
      steadySamplesPerSecond: steady.length
        ? +(steady.length / steady.reduce((s, p) => s + 1 / p.samplesPerSec, 0)).toFixed(1)
        : undefined,
      bestValidation: outcome.bestValidation,
    })
  } catch (err) {
    row.wallSeconds = +((performance.now() - t0) / 1000).toFixed(1)
    row.error = (err as Error).message
  }
  return row
}

function printTable(rows: TrainingRow[], fastText: Record<string, unknown>[]): void {
  const pct = (x?: number) => (x === undefined ? '-' : `${(x * 100).toFixed(2)}%`)
  const secs = (x?: number) => (x === undefined ? '-' : `${x.toFixed(1)} s`)
  const ratio = (x?: number) => (x === undefined ? '-' : `${x.toFixed(2)}x`)
  const lines = [
    [
      'preset',
      'subset',
      'epochs',
      'test acc',
      'F1',
      'train',
      'wall',
      'samples/s',
      'backend',
      'peak RSS',
      'vs wasm',
      'vs fastText',
    ],
    ...rows.map((r) => [
      r.bag ? `${r.preset}${r.bag.bagTrainer ? '' : ' (bagTrainer=false)'}` : r.preset,
      r.subset,
      r.epochs === undefined ? '-' : `${r.epochs} (${r.steps} steps)`,
      r.status === 'succeeded' ? pct(r.testAccuracy) : r.status,
      r.macroF1 === undefined ? '-' : r.macroF1.toFixed(4),
      secs(r.trainSeconds),
      secs(r.wallSeconds),
      r.samplesPerSecond === undefined ? '-' : fmt(Math.round(r.samplesPerSecond)),
      r.backend ?? '-',
      r.peakRssMb === undefined ? '-' : `${fmt(r.peakRssMb)} MB`,
      ratio(r.vsWasm),
      ratio(r.vsFastText),
    ]),
  ]
  for (const peer of fastText)
    if (peer.status === 'succeeded') {
      const shape = peer.shape as FastTextShape
      lines.push([
        `fastText binary (${String(peer.preset)})`,
        `${String(peer.split)}; wordNgrams ${shape.wordNgrams}, dim ${shape.dim}, bucket ${fmt(shape.buckets)}`,
        String(shape.epochs),
        pct(peer.testAccuracy as number),
        (peer.macroF1 as number).toFixed(4),
        secs(peer.trainSeconds as number),
        secs((peer.trainSeconds as number) + (peer.testSeconds as number)),
        fmt(peer.samplesPerSecond as number),
        `native, ${cpus().length} threads`,
        '-',
        '-',
        '1.00x',
      ])
    }
  printAligned(lines)
  for (const r of rows) {
    if (r.backendDetail) console.log(`${r.preset} on ${r.backend}: ${r.backendDetail}`)
    if (r.error) console.log(`${r.preset}: ${r.error}`)
    for (const n of r.notes) console.log(`${r.preset}: ${n}`)
  }
  for (const peer of fastText)
    if (peer.status !== 'succeeded') console.log(`fastText peer (${String(peer.preset)}): ${String(peer.status)}`)
  if (fastText.some((p) => p.status === 'succeeded'))
    console.log(
      "vs fastText: the Studio's samples/s while training (steps only) over the fastText binary's (its whole training command, reading and dictionary included), same split and shape.",
    )
}

export interface TrainingOptions {
  only?: string
  backends: string[]
  perClass?: number
  /** Peers to train the same models in (keras, torch), with this Python. */
  peers?: string[]
  python?: string
  peerSeconds?: number
  /** `key=value` changes for every preset (`--set lengthBuckets=false`), as the CLI's `--set`. */
  settings?: string[]
}

const peerScripts: Record<string, { script: string; imports: string }> = {
  keras: { script: 'keras_train.py', imports: 'import tensorflow, keras' },
  torch: { script: 'torch_train.py', imports: 'import torch' },
}

/** A peer's samples/s on the preset's model, or why it did not run. */
export interface PeerResult {
  samplesPerSecond?: number
  version?: string
  threads?: Record<string, number>
  status: string
}

/** The peers that import with this Python; the others' reasons. */
function peerAvailability(python: string, peers: string[]): Map<string, string | null> {
  const out = new Map<string, string | null>()
  for (const peer of peers) {
    const known = peerScripts[peer]
    if (!known) throw new Error(`Unknown peer "${peer}"; peers: ${Object.keys(peerScripts).join(', ')}.`)
    const probe = spawnSync(python, ['-c', known.imports], {
      encoding: 'utf8',
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    })
    const why =
      probe.error?.message ??
      (probe.status === 0 ? null : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`))
    out.set(peer, why && `skipped: ${python} cannot \`${known.imports}\`: ${why}`)
  }
  return out
}

function runPeer(
  python: string,
  peer: string,
  config: TrainConfig,
  vocab: number,
  classes: number,
  seconds: number,
): PeerResult {
  const script = join(__dirname, 'peers', peerScripts[peer]!.script)
  const args = [
    script,
    '--config',
    JSON.stringify(config),
    '--vocab',
    String(vocab),
    '--classes',
    String(classes),
    '--seconds',
    String(seconds),
  ]
  const done = spawnSync(python, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    // Four steps at least: a machine too loaded for them in 20 times the budget gives no figure.
    timeout: Math.max(60, 20 * seconds) * 1000,
  })
  if (done.error) return { status: `failed: ${done.error.message}` }
  const line = done.stdout?.trim().split('\n').at(-1)
  if (done.status !== 0 || !line?.startsWith('{'))
    return {
      status: `failed: ${done.stderr.trim().split('\n').at(-1) ?? `exit ${done.status}`}`,
    }
  const r = JSON.parse(line) as { samplesPerSecond: number; version: string; threads: Record<string, number> }
  return { status: 'succeeded', samplesPerSecond: r.samplesPerSecond, version: r.version, threads: r.threads }
}

/** One line of the comparison: a preset on one backend against the peers' samples/s. */
export interface PeerComparison {
  preset: string
  backend: string
  samplesPerSecond: number | null
  peers: Record<string, number | string>
  /** samples/s over the best peer's. */
  ratio: number | null
}

function printPeerTable(table: PeerComparison[], peers: string[]): void {
  const lines = [
    ['preset', 'backend', 'Studio samples/s', ...peers.map((p) => `${p} samples/s`), 'Studio / best peer'],
    ...table.map((r) => [
      r.preset,
      r.backend,
      r.samplesPerSecond === null ? '-' : fmt(Math.round(r.samplesPerSecond * 10) / 10),
      ...peers.map((p) => (typeof r.peers[p] === 'number' ? fmt(r.peers[p]) : 'skipped')),
      r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    ]),
  ]
  printAligned(lines)
}

export async function benchTraining(
  work: string,
  data: string,
  { only, backends, perClass: cap, peers = [], python = 'python3', peerSeconds = 20, settings = [] }: TrainingOptions,
) {
  const changed = Object.fromEntries(settings.map(parseSetting))
  const wanted = backends.map((b) => {
    const name = backendNames.find((n) => n === b)
    if (!name) throw new Error(`Unknown backend "${b}"; backends: ${backendNames.join(', ')}.`)
    return name
  })
  if (cap !== undefined && !(Number.isInteger(cap) && cap > 0)) throw new Error('--per-class takes a whole number.')
  const archive = join(data, 'aclImdb_v1_labelled.tar.gz')
  if (!existsSync(archive)) return { status: `skipped: ${archive} not found (pass --data DIR)` }
  const names = only ? only.split(',').map((s) => s.trim()) : [...presets.map((p) => p.name), 'fasttext-peer']
  const unknown = names.filter((n) => n !== 'fasttext-peer' && !presets.some((p) => p.name === n))
  if (unknown.length)
    throw new Error(
      `Unknown preset ${unknown.join(', ')}; presets: ${presets.map((p) => p.name).join(', ')} (and fasttext-peer).`,
    )
  mkdirSync(work, { recursive: true })
  const scratch = mkdtempSync(join(work, 'training-'))
  const launcher = new PeakMemoryLauncher()
  const ctx = createAppContext({
    dataDir: join(scratch, 'data'),
    launcher,
    transport: 'cli',
    jobs: { graceMs: 2000 },
  })
  let lastReport = 0
  const unsubscribe = ctx.subscribe((event, payload) => {
    if (event !== 'job.updated' || Date.now() - lastReport < 30_000) return
    const job = payload as JobRecord
    if (job.status !== 'running' || !job.progress) return
    lastReport = Date.now()
    const p = job.progress
    process.stderr.write(`training:   ${job.kind} ${p.done}/${p.total ?? '?'} ${p.unit}, ${p.message ?? ''}\n`)
  })
  try {
    process.stderr.write('training: detecting backends…\n')
    const { backends: detected } = await ctx.info.detect()
    const lowercase = { preprocess: { lowercase: true } }
    const full = await importDataset(ctx, {
      name: 'aclImdb',
      source: { format: 'aclimdb', path: archive },
      ...lowercase,
    })
    let texts: Map<string, string> | null = null
    const archiveTexts = async () => (texts ??= await readArchiveTexts(archive))
    const subsets = new Map<number, DatasetSummary>()
    const subsetOf = async (perClass: number) => {
      const known = subsets.get(perClass)
      if (known) return known
      const dir = join(scratch, `aclImdb-${perClass}`)
      writeSubsetFolder(await archiveTexts(), dir, perClass)
      const summary = await importDataset(ctx, {
        name: `aclImdb ${perClass} per class`,
        source: { format: 'aclimdb', path: dir },
        ...lowercase,
      })
      subsets.set(perClass, summary)
      return summary
    }

    const rows: TrainingRow[] = []
    const fastTextRows: Record<string, unknown>[] = []
    const available = peerAvailability(python, peers)
    const table: PeerComparison[] = []
    const peerRuns: Record<string, Record<string, PeerResult>> = {}
    for (const name of names.filter((n) => n !== 'fasttext-peer')) {
      const preset = presets.find((p) => p.name === name)!
      const plan = { ...plans[name], overrides: { ...plans[name]?.overrides, ...changed } }
      if (cap !== undefined && cap < (plan.perClass ?? Infinity)) plan.perClass = cap
      const dataset = plan.perClass ? await subsetOf(plan.perClass) : full
      // A subset keeps the preset's shape: the size rules would shrink its batch to fit the few examples
      // (16 for 1,600 reviews), and the peers, timed at the same shape, would not be compared like for like.
      const overrides: Record<string, unknown> = plan.perClass
        ? { sizeRules: false, ...plan.overrides }
        : { ...plan.overrides }
      const notes: string[] = []
      const changes: string[] = []
      if (plan.perClass)
        changes.push(
          `subset: ${fmt(2 * plan.perClass)} train reviews (${fmt(dataset.counts.train)} train / ${fmt(dataset.counts.val)} val) and ${fmt(dataset.counts.test)} test reviews, the ${fmt(plan.perClass)} lowest-numbered per class of each aclImdb split, size rules off (the preset's batch and length)`,
        )
      else
        changes.push(
          `full: ${fmt(dataset.counts.train)} train / ${fmt(dataset.counts.val)} val / ${fmt(dataset.counts.test)} test`,
        )
      for (const [k, v] of Object.entries(plan.overrides ?? {}))
        changes.push(`${k}=${JSON.stringify(v)} (preset ${JSON.stringify(preset.config[k as keyof TrainConfig])})`)
      if (preset.needsVectors) {
        const glove = join(data, gloveFile)
        if (!existsSync(glove)) {
          rows.push({
            preset: name,
            subset: changes.join('; '),
            overrides,
            dataset: { ...dataset.counts, vocabSize: dataset.vocabSize },
            notes,
            status: `skipped: ${glove} not found`,
          })
          continue
        }
        overrides.vectors = resultOf(await ctx.jobs.finished(await ctx.request('vectors.add', { path: glove }))).id
        changes.push(
          `vectors: GloVe 6B 100d, only its first 2,604 words (${gloveFile}), so embeddingDim 100 instead of the preset's 300`,
        )
      }
      const subset = changes.join('; ')
      const side: TrainingRow[] = []
      for (const backend of wanted) {
        const status = detected.find((b) => b.name === backend)
        if (!status?.available) {
          side.push({
            preset: name,
            subset,
            overrides,
            dataset: { ...dataset.counts, vocabSize: dataset.vocabSize },
            notes: [],
            status: `skipped: ${status?.reason ?? 'not detected'}`,
            backend,
          })
          continue
        }
        process.stderr.write(`training: ${name} on ${backend} (${subset})…\n`)
        const row = await trainPreset(ctx, launcher, name, backend, dataset, overrides, subset, [...notes])
        process.stderr.write(
          `training: ${name} on ${backend}: ${row.status}${row.testAccuracy !== undefined ? `, test ${(row.testAccuracy * 100).toFixed(2)}%` : ''}${row.error ? `: ${row.error}` : ''}, ${row.wallSeconds} s\n`,
        )
        side.push(row)
      }
      const wasm = side.find((r) => r.backend === 'wasm')?.samplesPerSecond
      for (const row of side)
        if (wasm && row.samplesPerSecond !== undefined) row.vsWasm = +(row.samplesPerSecond / wasm).toFixed(2)
      rows.push(...side)
      // A bag against the fastText binary, right after it, on the same split, n-grams, dimension, buckets and epochs trained.
      const bag = side.find((r) => r.bag && r.epochs !== undefined)
      if (bag) {
        const shape = {
          wordNgrams: bag.bag!.ngrams,
          dim: bag.bag!.embeddingDim,
          epochs: bag.epochs!,
          buckets: bag.bag!.hashBuckets,
        }
        const ft = runFastText(ctx, dataset, await archiveTexts(), scratch, shape)
        fastTextRows.push({ preset: name, ...ft })
        for (const row of side)
          if (typeof ft.samplesPerSecond === 'number' && row.samplesPerSecond !== undefined)
            row.vsFastText = +(row.samplesPerSecond / ft.samplesPerSecond).toFixed(2)
      }
      if (peers.length) {
        // The model and optimisation the Studio trained (size rules included); the preset's, where no run succeeded.
        const trained = side.find((r) => r.config)?.config
        const config = trained ?? {
          ...preset.config,
          ...plan.overrides,
          ...(preset.needsVectors ? { embeddingDim: 100 } : {}),
        }
        const results: Record<string, PeerResult> = {}
        for (const peer of peers) {
          const why = available.get(peer)
          process.stderr.write(`training: ${name} in ${peer}${why ? `: ${why}` : '…'}\n`)
          results[peer] = why ? { status: why } : runPeer(python, peer, config, dataset.vocabSize, 2, peerSeconds)
        }
        peerRuns[name] = results
        const rates = Object.values(results).flatMap((r) =>
          r.samplesPerSecond === undefined ? [] : [r.samplesPerSecond],
        )
        const best = rates.length ? Math.max(...rates) : null
        for (const row of side) {
          // Steady against steady: the peers are timed after their warm-up steps.
          const rate = row.steadySamplesPerSecond ?? row.samplesPerSecond
          table.push({
            preset: name,
            backend: row.backend ?? '-',
            samplesPerSecond: rate ?? null,
            peers: Object.fromEntries(Object.entries(results).map(([p, r]) => [p, r.samplesPerSecond ?? r.status])),
            ratio: best && rate !== undefined ? +(rate / best).toFixed(3) : null,
          })
        }
      }
    }

    if (names.includes('fasttext-peer') && !fastTextRows.length)
      fastTextRows.push({
        preset: 'fasttext-peer',
        ...runFastText(ctx, full, await archiveTexts(), scratch, defaultShape),
      })
    printTable(rows, fastTextRows)
    if (peers.length) printPeerTable(table, peers)
    return {
      table: peers.length ? table : undefined,
      peers: peers.length
        ? {
            python,
            seconds: peerSeconds,
            data: "generated rows of the preset's full length (no padding), the dataset's vocabulary size",
            runs: peerRuns,
          }
        : undefined,
      dataset: {
        source: archive,
        settings: 'aclimdb format, lowercase, defaults otherwise',
        counts: full.counts,
        vocabSize: full.vocabSize,
        importSeconds: +(full.durationMs / 1000).toFixed(2),
      },
      presets: rows,
      fastTextPeer: fastTextRows,
      torchPeer: 'not run: the bench has no PyTorch peer',
    }
  } finally {
    unsubscribe()
    await ctx.close()
    launcher.close()
    rmSync(scratch, { recursive: true, force: true })
  }
}
