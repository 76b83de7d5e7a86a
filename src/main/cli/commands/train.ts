/** `train` and `presets list`; the run summaries `runs` prints too. */
import { ApiError } from '../../../shared/errors'
import { presets } from '../../../shared/training/presets'
import { randomUUID } from 'node:crypto'
import { parseSetting, trainRequestSchema, type TrainRequest } from '../../../shared/training/settings'
import { parseGridAxis, parseRangeAxis, type SweepRequest } from '../../../shared/training/sweep'
import { statsOf } from '../../../shared/training/size-rules'
import type { RunRecord } from '../../../shared/training/results'
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import { followJob } from '../job-progress'
import type { Output } from '../output'
import type { FlagValues } from './import'
import { autoCommand } from './auto'
import { autoPresetName } from '../../../shared/training/auto'

/** What a run is made of, for train and sweep alike. */
const runOptions = {
  dataset: { type: 'string' },
  preset: { type: 'string' },
  set: { type: 'string', multiple: true },
  vectors: { type: 'string' },
  backend: { type: 'string', default: 'auto' },
  name: { type: 'string' },
} as const
export const trainOptions = { ...runOptions, repeat: { type: 'string' } } as const

export const sweepOptions = {
  ...runOptions,
  grid: { type: 'string', multiple: true },
  random: { type: 'string' },
  range: { type: 'string', multiple: true },
  seed: { type: 'string' },
} as const

/**
 * `sweep … --grid key=a,b --grid key=c,d`, or `--random N --range key=min:max[:log] --range key=a,b
 * [--seed S]`: one run per configuration, queued as one group by `runs.sweep` (the form's path too).
 */
export async function sweepCommand(context: AppContext, out: Output, values: FlagValues): Promise<void> {
  const request = trainRequestOf(values, 'sweep')
  const grids = (values.grid as string[] | undefined) ?? []
  const ranges = (values.range as string[] | undefined) ?? []
  if (grids.length && (values.random !== undefined || ranges.length))
    throw new UsageError('sweep takes --grid or --random with --range, not both.')
  if (values.random === undefined && (ranges.length || values.seed !== undefined))
    throw new UsageError('--range and --seed go with --random N.')
  let sweep: SweepRequest
  try {
    sweep =
      values.random === undefined
        ? {
            ...request,
            grid: axesOf(
              grids.map((g) => parseGridAxis(g)),
              '--grid',
            ),
          }
        : {
            ...request,
            random: {
              count: wholeNumber(values.random, '--random'),
              seed: values.seed === undefined ? 42 : wholeNumber(values.seed, '--seed'),
              ranges: axesOf(ranges.map(parseRangeAxis), '--range'),
            },
          }
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  let queued: { groupId: string; runs: RunRecord[] }
  try {
    queued = await context.runs.sweep(sweep)
  } catch (err) {
    throw usageErrorOf(err)
  }
  for (const run of queued.runs) announce(context, out, run, request)
  const done: RunRecord[] = []
  for (const run of queued.runs) done.push(await followRun(context, run, out))
  const ranked = [...done].sort((a, b) => (b.test?.accuracy ?? -1) - (a.test?.accuracy ?? -1))
  out.result({ groupId: queued.groupId, runs: ranked.map(runSummary) }, () =>
    ranked
      .map((r, i) => `${i + 1}. ${r.test ? `${(r.test.accuracy * 100).toFixed(2)}%` : '   —  '}  ${r.id}  ${r.name}`)
      .join('\n'),
  )
}

/** Flags' axes as one record, refusing a field named twice. */
function axesOf<T>(axes: [string, T][], flag: string): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [key, value] of axes) {
    if (Object.hasOwn(out, key)) throw new Error(`${flag} names ${key} twice.`)
    out[key] = value
  }
  return out
}

function wholeNumber(raw: unknown, flag: string): number {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} takes a whole number, not "${String(raw)}".`)
  return n
}

function trainRequestOf(values: FlagValues, command: string): TrainRequest {
  if (!values.dataset) throw new UsageError(`${command} needs --dataset ID (see \`datasets list\`).`)
  if (!values.preset)
    throw new UsageError(
      `${command} needs --preset NAME: ${[...presets.map((p) => p.name), autoPresetName].join(', ')}.`,
    )
  const overrides: Record<string, unknown> = {}
  for (const raw of (values.set as string[] | undefined) ?? []) {
    try {
      const [key, value] = parseSetting(raw)
      overrides[key] = value
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  }
  if (values.vectors) overrides.vectors = values.vectors
  const request = trainRequestSchema.safeParse({
    datasetId: values.dataset,
    preset: values.preset,
    overrides,
    backend: values.backend,
    name: values.name,
  })
  if (!request.success) throw new UsageError(request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0]!)
  return request.data
}

export async function trainCommand(context: AppContext, out: Output, values: FlagValues): Promise<void> {
  if (values.preset === autoPresetName) {
    if (!values.dataset) throw new UsageError('train needs --dataset ID (see `datasets list`).')
    return autoCommand(context, out, values)
  }
  const request = trainRequestOf(values, 'train')
  const repeat = values.repeat === undefined ? 1 : Number(values.repeat)
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 50)
    throw new UsageError('--repeat takes a whole number of runs from 1 to 50.')
  if (repeat === 1) {
    const done = await followRun(context, await startRun(context, out, request), out)
    out.result(runSummary(done), () => describeRun(done))
    return
  }
  // N runs of one config with consecutive seeds, one group, one after another.
  const base = startSeedOf(context, request)
  const groupId = randomUUID()
  const queued: RunRecord[] = []
  for (let k = 0; k < repeat; k++) {
    const seeded = { ...request, overrides: { ...request.overrides, seed: base + k } }
    queued.push(await startRun(context, out, seeded, groupId))
  }
  const done: RunRecord[] = []
  for (const run of queued) done.push(await followRun(context, run, out))
  out.result({ groupId, runs: done.map(runSummary) }, () => done.map(describeRun).join('\n\n'))
}

/** The seed the request's config resolves to; a setting the schema refuses is a usage error. */
function startSeedOf(context: AppContext, request: TrainRequest): number {
  try {
    return context.runs.resolveConfig(request.preset, request.overrides).config.seed
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

async function startRun(context: AppContext, out: Output, request: TrainRequest, groupId?: string): Promise<RunRecord> {
  let run: RunRecord
  try {
    run = await context.runs.start(request, groupId)
  } catch (err) {
    throw usageErrorOf(err)
  }
  announce(context, out, run, request)
  return run
}

/** A wrong setting or preset name is the command line's fault (exit 2); a missing dataset is not. */
function usageErrorOf(err: unknown): unknown {
  return err instanceof ApiError && (err.code === 'invalid_payload' || err.field === 'preset')
    ? new UsageError(err.message)
    : err
}

/** Where the run stands in the queue, and the size rules' sentences as the form shows them. */
function announce(context: AppContext, out: Output, run: RunRecord, request: TrainRequest): void {
  const position = context.runs.queue.list().find((e) => e.runId === run.id)?.position
  out.status(
    position
      ? `Run ${run.id} (${run.name}) queued at position ${position} (${context.runs.queue.concurrency} at a time).`
      : `Run ${run.id} (${run.name}) started.`,
  )
  // The size rules' sentences, as the form shows them (the run's config holds their values).
  const rules = context.runs.resolveConfig(
    request.preset,
    request.overrides,
    statsOf(context.datasets.get(request.datasetId)),
  ).rules
  if (rules?.explanation.length)
    out.status(
      `Fitted to the dataset (--set sizeRules=false keeps the preset's values): ${rules.explanation.join(' ')}`,
    )
}

/** Waits for a queued run to start (Ctrl+C cancels it), then follows its job to its end, its log on stderr. */
export async function followRun(context: AppContext, queued: RunRecord, out: Output): Promise<RunRecord> {
  const cancel = () => context.runs.cancel(queued.id)
  process.once('SIGINT', cancel)
  let run: RunRecord
  try {
    run = await context.runs.started(queued.id)
  } finally {
    process.off('SIGINT', cancel)
  }
  if (!run.jobId) return run
  const unsubscribe = context.on('run.updated', (update) => {
    if (update.runId === run.id) for (const line of update.log) out.status(line)
  })
  try {
    await followJob(context, { id: run.jobId, kind: 'train' }, out)
  } finally {
    unsubscribe()
  }
  return context.runs.get(run.id)
}

export function runSummary(run: RunRecord) {
  const t = run.test
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    backend: run.backend,
    datasetId: run.datasetId,
    preset: run.preset,
    config: run.config,
    test: t
      ? {
          accuracy: t.accuracy,
          precision: t.precision,
          recall: t.recall,
          f1: t.f1,
          loss: t.loss,
          auc: t.auc,
          confusion: t.confusion,
          perClass: t.perClass,
        }
      : null,
    bestValidation: run.bestValidation,
    durationMs: run.durationMs,
    samplesPerSecond: run.samplesPerSecond,
    error: run.error,
    tags: run.tags,
    note: run.note,
    starred: run.starred,
    groupId: run.groupId,
  }
}

export function describeRun(run: RunRecord): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`
  const lines = [`Run ${run.id}: ${run.name} — ${run.status}${run.backend ? ` on ${run.backend}` : ''}`]
  if (run.bestValidation)
    lines.push(
      `Best validation: loss ${run.bestValidation.loss.toFixed(4)}, accuracy ${pct(run.bestValidation.accuracy)} (step ${run.bestValidation.step})`,
    )
  if (run.test)
    lines.push(
      `Test: accuracy ${pct(run.test.accuracy)}, precision ${pct(run.test.precision)}, recall ${pct(run.test.recall)}, F1 ${run.test.f1.toFixed(4)}${run.test.auc !== null ? `, AUC ${run.test.auc.toFixed(4)}` : ''}`,
      `Confusion (rows actual, columns predicted): ${JSON.stringify(run.test.confusion)}`,
    )
  if (run.durationMs !== null)
    lines.push(`Trained in ${(run.durationMs / 1000).toFixed(1)} s, ${run.samplesPerSecond?.toFixed(0)} samples/s`)
  if (run.error) lines.push(`Error: ${run.error}`)
  return lines.join('\n')
}

export async function presetsCommand(out: Output, positionals: string[]): Promise<void> {
  if (positionals[0] !== 'list') throw new UsageError('presets takes list.')
  out.result(presets, () =>
    presets.map((p) => `${p.name.padEnd(20)} ${p.title}\n${' '.repeat(21)}${p.description}`).join('\n'),
  )
}
