/** `score`, `predict` and `scores list|show|export|delete`. */
import { statSync } from 'node:fs'
import { parseColumn } from '../../../shared/columns'
import { ApiError } from '../../../shared/errors'
import {
  parseLabelMap,
  scoreRequestSchema,
  type ScoreEvaluation,
  type ScoreInput,
  type ScoreRecord,
} from '../../../shared/scoring'
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import { followJob } from '../job-progress'
import type { Output } from '../output'
import type { FlagValues } from './import'

export const scoreOptions = {
  run: { type: 'string' },
  input: { type: 'string' },
  dataset: { type: 'string' },
  split: { type: 'string', default: 'test' },
  format: { type: 'string' },
  'text-column': { type: 'string' },
  'id-column': { type: 'string' },
  'label-column': { type: 'string' },
  ext: { type: 'string', multiple: true },
  encoding: { type: 'string' },
  'label-map': { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  backend: { type: 'string' },
} as const

export const predictOptions = {
  run: { type: 'string' },
  text: { type: 'string' },
  explain: { type: 'boolean', default: false },
} as const

export const scoresOptions = {
  run: { type: 'string' },
  out: { type: 'string' },
} as const

/** The format a path implies: a folder, a delimited file by its extension, else fastText lines. */
function formatOf(path: string): ScoreInput['format'] {
  let folder = false
  try {
    folder = statSync(path).isDirectory()
  } catch {
    throw new UsageError(`${path} does not exist; check the path.`)
  }
  if (folder) return 'folder'
  return /\.(csv|tsv|jsonl|ndjson)(\.(gz|bz2))?$/i.test(path) ? 'delimited' : 'fasttext'
}

function inputFromFlags(v: FlagValues): Record<string, unknown> {
  if (v.dataset) return { format: 'dataset', datasetId: v.dataset, split: v.split }
  const path = v.input as string
  const format = (v.format as string | undefined) ?? formatOf(path)
  const encoding = v.encoding
  if (format === 'folder') return { format, path, encoding, extensions: v.ext }
  if (format === 'delimited')
    return {
      format,
      path,
      encoding,
      textColumn: parseColumn(v['text-column'] as string | undefined),
      idColumn: parseColumn(v['id-column'] as string | undefined),
      labelColumn: parseColumn(v['label-column'] as string | undefined),
    }
  return { format, path, encoding }
}

export async function scoreCommand(context: AppContext, out: Output, values: FlagValues): Promise<void> {
  if (!values.run) throw new UsageError('score needs --run ID (see `runs list`).')
  if (!values.input === !values.dataset) throw new UsageError('score needs --input PATH or --dataset ID (one of them).')
  let labelMap: Record<string, string> | undefined
  try {
    labelMap = values['label-map'] ? parseLabelMap(values['label-map'] as string) : undefined
  } catch (err) {
    throw new UsageError(`--label-map: ${(err as Error).message}`)
  }
  const request = scoreRequestSchema.safeParse({
    runId: values.run,
    input: inputFromFlags(values),
    labelMap,
    name: values.name,
    backend: values.backend,
  })
  if (!request.success) {
    const issue = request.error.issues[0]!
    throw new UsageError(`${issue.path.join('.')}: ${issue.message}`)
  }
  let job
  try {
    job = await context.scores.start(request.data)
  } catch (err) {
    if (err instanceof ApiError && err.code === 'invalid_payload') throw new UsageError(err.message)
    throw err
  }
  const outcome = await followJob(context, job, out)
  const id = job.params.scoreId
  const exported = values.out ? await context.scores.export(id, values.out as string) : null
  out.result(
    {
      scoreId: id,
      scored: outcome.scored,
      skipped: outcome.skipped,
      skippedCount: outcome.skippedCount,
      durationMs: outcome.durationMs,
      reviewsPerSecond: outcome.reviewsPerSecond,
      evaluation: outcome.evaluation,
      ...(exported && { out: exported.path }),
    },
    () =>
      [
        `Score job ${id}: ${outcome.scored} scored in ${(outcome.durationMs / 1000).toFixed(1)} s (${Math.round(outcome.reviewsPerSecond)} reviews/s), ${outcome.skippedCount} skipped.`,
        ...outcome.skipped.slice(0, 20).map((s) => `  skipped ${s.path}: ${s.reason}`),
        ...describeEvaluation(outcome.evaluation),
        ...(exported ? [`Results written to ${exported.path}.`] : []),
      ].join('\n'),
  )
}

function describeEvaluation(e: ScoreEvaluation | null): string[] {
  if (!e) return []
  const m = e.metrics
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`
  return [
    `Evaluation on ${e.labelled} labelled inputs: accuracy ${pct(m.accuracy)}, precision ${pct(m.precision)}, recall ${pct(m.recall)}, F1 ${m.f1.toFixed(4)}.`,
    `Confusion (rows: true, columns: predicted): ${JSON.stringify(m.confusion)}`,
    ...Object.entries(e.unmatchedLabels).map(
      ([l, n]) => `  ${n} inputs labelled "${l}" match no class of the model (map it with --label-map ${l}=CLASS).`,
    ),
  ]
}

export async function predictCommand(context: AppContext, out: Output, values: FlagValues): Promise<void> {
  if (!values.run) throw new UsageError('predict needs --run ID (see `runs list`).')
  if (typeof values.text !== 'string') throw new UsageError('predict needs --text "..."')
  const p = await context.scores.predict(values.run as string, values.text, values.explain === true)
  out.result(p, () =>
    [
      `${p.label} (${(p.probability * 100).toFixed(1)}%)`,
      ...(p.tokens ?? []).map((t) => `  ${t.text}${t.inVocabulary ? '' : ' (unknown)'}  ${t.weight.toFixed(4)}`),
    ].join('\n'),
  )
}

function describeScore(s: ScoreRecord): string {
  const acc = s.evaluation ? `, accuracy ${(s.evaluation.metrics.accuracy * 100).toFixed(2)}%` : ''
  return `${s.id}  ${s.name}  ${s.status}, ${s.scored} scored, ${s.skippedCount} skipped${acc}`
}

export async function scoresCommand(
  context: AppContext,
  out: Output,
  positionals: string[],
  values: FlagValues,
): Promise<void> {
  const [action, id] = positionals
  const need = () => {
    if (!id) throw new UsageError(`scores ${action} needs a score job id (see \`scores list\`).`)
    return id
  }
  switch (action) {
    case 'list': {
      const all = context.scores.list(values.run as string | undefined)
      out.result(all, () => (all.length ? all.map(describeScore).join('\n') : 'No score jobs yet: run `score`.'))
      return
    }
    case 'show': {
      const s = context.scores.get(need())
      out.result(s, () => [describeScore(s), ...describeEvaluation(s.evaluation)].join('\n'))
      return
    }
    case 'export': {
      const sid = need()
      if (!values.out) throw new UsageError('scores export needs --out FILE.csv or FILE.jsonl.')
      const r = await context.scores.export(sid, values.out as string)
      out.result(r, () => `Wrote ${r.rows} rows to ${r.path}.`)
      return
    }
    case 'delete': {
      await context.scores.delete(need())
      out.result({ id, deleted: true }, () => `Deleted score job ${id}.`)
      return
    }
    default:
      throw new UsageError(
        `scores takes list, show ID, export ID --out F or delete ID${action ? `, not "${action}"` : ''}.`,
      )
  }
}
