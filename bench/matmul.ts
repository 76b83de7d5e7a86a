/**
 * The matrix-product ceiling of each preset on each engine (issue 15: "convolution and dense at
 * matrix-product speed, measured against the matmul rate of the same backend"). A preset's training
 * step is mostly a few products: the dense layer's `[B, L*E] x [L*E, U]`, each convolution's
 * `[B*(L-w+1), w*E] x [w*E, F]` (its im2col form), a recurrent layer's input projection
 * `[B*T, D] x [D, G*H]` and its T step products `[B, H] x [H, G*H]`. This times those shapes (rows
 * cut, see `timed`) on every tfjs backend that loads (a child process each: bench/matmul-child.ts)
 * and in the peers (bench/peers/matmul.py: TensorFlow and PyTorch eager), and gives per preset:
 * - `trainGflopPerSample`: 3 x the forward products' FLOPs (forward, input gradient, weight
 *   gradient), per example, at full length (as the peers train);
 * - per engine, `ceilingSamplesPerSecond`: B over the time the products of one step take at the
 *   measured rates, times 3. A full-length training step cannot beat it on that engine (length
 *   buckets can, by running fewer steps); a training figure far below it is overhead. The small
 *   recurrent step products are timed one op call each, whose overhead a fused kernel saves (TensorFlow's
 *   BlockLSTM runs them inside one op): for recurrent presets the ceiling is an estimate, not a bound.
 * Bag models are not product-bound and are left out.
 *
 *   npm run bench -- --only matmul [--backends wasm,tensorflow] [--presets a,b] [--python PY]
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { TrainConfig } from '../src/shared/training/config'
import { presets } from '../src/shared/training/presets'
import { printAligned } from './table'

/** A product `[m, k] x [k, n]` a training step runs `times` times. */
interface Product {
  name: string
  m: number
  k: number
  n: number
  times: number
}

const gatesPerUnit: Partial<Record<TrainConfig['model'], number>> = { rnn: 1, lstm: 4, gru: 3, bilstm: 4 }

/** The forward products of one batch of `config` (null for the bag models). */
export function stepProducts(config: TrainConfig): Product[] | null {
  const { batchSize: b, maxLen: t, embeddingDim: e } = config
  if (config.model === 'dense') return [{ name: 'dense', m: b, k: t * e, n: config.denseUnits, times: 1 }]
  if (config.model === 'cnn')
    return config.filterSizes.map((w) => ({
      name: `conv ${w}`,
      m: b * (t - w + 1),
      k: w * e,
      n: config.filters,
      times: 1,
    }))
  const gates = gatesPerUnit[config.model]
  if (!gates) return null
  const dirs = config.model === 'bilstm' ? 2 : 1
  const h = config.hiddenUnits
  return Array.from({ length: config.layers }, (_, layer) => {
    const input = layer === 0 ? e : h * dirs
    return [
      { name: `layer ${layer + 1} input`, m: b * t, k: input, n: gates * h, times: dirs },
      { name: `layer ${layer + 1} steps`, m: b, k: h, n: gates * h, times: dirs * t },
    ]
  }).flat()
}

const flopsOf = (p: Product) => 2 * p.m * p.k * p.n * p.times

interface Engine {
  name: string
  detail: string
  /** GFLOP/s per distinct shape key `m,k,n`, or why there is none. */
  gflops?: Map<string, number>
  skipped?: string
}

/**
 * The shape timed for a product: its rows cut to what about a GFLOP needs (256 at least), since a
 * product's rate stops growing long before its rows run out, and a 2x512 LSTM's input projection
 * (130 GFLOP) would take minutes a repetition.
 */
const timed = (p: { m: number; k: number; n: number }) =>
  [Math.min(p.m, Math.max(256, Math.floor(1e9 / (2 * p.k * p.n)))), p.k, p.n] as const
const key = (p: { m: number; k: number; n: number }) => timed(p).join(',')

function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const line = stdout.trim().split('\n').at(-1)
  return line?.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : null
}

function measureEngine(name: string, command: string, args: string[], shapes: number[][]): Engine {
  const done = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    timeout: 600_000,
  })
  const out = done.error ? null : lastJsonLine(done.stdout ?? '')
  if (!out || done.status !== 0)
    return {
      name,
      detail: '',
      skipped: done.error?.message ?? done.stderr?.trim().split('\n').at(-1) ?? `exit ${done.status}`,
    }
  const rates = out.gflops as number[]
  // A tfjs child describes its backend; a peer gives its version and threads.
  const detail =
    typeof out.detail === 'string'
      ? out.detail
      : `version ${String(out.version)}, threads ${JSON.stringify(out.threads)}`
  return { name, detail, gflops: new Map(shapes.map((s, i) => [s.join(','), rates[i]!])) }
}

export interface MatmulOptions {
  presets?: string
  backends: string[]
  python?: string
}

export interface MatmulRow {
  preset: string
  trainGflopPerSample: number
  products: { name: string; shape: string; times: number; gflops: Record<string, number> }[]
  ceilingSamplesPerSecond: Record<string, number>
}

export function benchMatmul(options: MatmulOptions): { engines: Omit<Engine, 'gflops'>[]; rows: MatmulRow[] } {
  const chosen = presets
    .filter((p) => !options.presets || options.presets.split(',').includes(p.name))
    .map((p) => ({ name: p.name, products: stepProducts(p.config), config: p.config }))
    .filter((p): p is typeof p & { products: Product[] } => p.products !== null)
  const shapes = [...new Map(chosen.flatMap((p) => p.products).map((p) => [key(p), [...timed(p)]])).values()]
  const json = JSON.stringify(shapes)
  const child = join(__dirname, 'matmul-child.ts')
  const python = options.python ?? 'python3'
  const peerScript = join(__dirname, 'peers', 'matmul.py')
  const engines: Engine[] = [
    ...options.backends.map((b) => measureEngine(b, process.execPath, ['--import', 'tsx', child, b, json], shapes)),
    ...['tensorflow', 'torch'].map((f) =>
      measureEngine(`${f} (peer)`, python, [peerScript, '--framework', f, '--shapes', json], shapes),
    ),
  ]
  for (const e of engines)
    process.stderr.write(`matmul: ${e.name}: ${e.skipped ? `skipped: ${e.skipped}` : e.detail}\n`)
  const measured = engines.filter((e) => e.gflops)
  const rows = chosen.map(({ name, products, config }) => {
    const ceiling: Record<string, number> = {}
    for (const e of measured) {
      const seconds = products.reduce((s, p) => s + flopsOf(p) / (e.gflops!.get(key(p))! * 1e9), 0)
      ceiling[e.name] = Math.round(config.batchSize / (3 * seconds))
    }
    return {
      preset: name,
      trainGflopPerSample: +((3 * products.reduce((s, p) => s + flopsOf(p), 0)) / config.batchSize / 1e9).toFixed(4),
      products: products.map((p) => ({
        name: p.name,
        shape: `[${p.m}, ${p.k}] x [${p.k}, ${p.n}]`,
        times: p.times,
        gflops: Object.fromEntries(measured.map((e) => [e.name, +e.gflops!.get(key(p))!.toFixed(1)])),
      })),
      ceilingSamplesPerSecond: ceiling,
    }
  })
  printRows(
    rows,
    measured.map((e) => e.name),
  )
  return { engines: engines.map(({ gflops: _, ...e }) => e), rows }
}

function printRows(rows: MatmulRow[], engines: string[]): void {
  const lines = [
    ['preset', 'product', 'times/step', ...engines.map((e) => `${e} GFLOP/s`)],
    ...rows.flatMap((r) => [
      ...r.products.map((p) => [
        r.preset,
        `${p.name} ${p.shape}`,
        String(p.times),
        ...engines.map((e) => String(p.gflops[e])),
      ]),
      [
        r.preset,
        `ceiling samples/s (${r.trainGflopPerSample} GFLOP/sample)`,
        '',
        ...engines.map((e) => String(r.ceilingSamplesPerSecond[e])),
      ],
    ]),
  ]
  printAligned(lines)
}
