/** `runs list|show|compare|tag|export|import|resume|export-model|delete`: the run history from the command line. */
import { resolve } from 'node:path'
import { isRunKey, runsQuerySchema, type RunComparison } from '../../../shared/runs'
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import type { Output } from '../output'
import type { FlagValues } from './import'
import { describeRun, followRun, runSummary } from './train'

export const runsOptions = {
  status: { type: 'string', multiple: true },
  dataset: { type: 'string' },
  model: { type: 'string' },
  tag: { type: 'string' },
  group: { type: 'string' },
  sort: { type: 'string', default: '-createdAt' },
  limit: { type: 'string', default: '200' },
  out: { type: 'string' },
} as const

export const runsUsage = `  runs list [--status S ...] [--dataset ID] [--model M] [--tag T] [--group G] [--sort=KEY] [--limit N]
                          KEY: a dotted field of the rows (test.accuracy, config.learningRate, createdAt…),
                          with - in front for descending: --sort=-test.accuracy
  runs show ID | resume ID | delete ID | tag ID TAG
  runs export ID --out FILE  the run (settings, figures, curves, predictions, model) as one .tar.gz
  runs import FILE        adds an exported run to this history (a new id if its own is taken)
  runs compare ID ID ...  differing settings, metrics and McNemar's test of runs on the same test split
  runs export-model ID --out DIR
                          the model with its preprocessing, sentiment.mjs and index.html: scores text
                          in a browser or Node with @tensorflow/tfjs alone`

export async function runsCommand(
  context: AppContext,
  out: Output,
  positionals: string[],
  values: FlagValues,
): Promise<void> {
  const [action, id, ...more] = positionals
  const need = () => {
    if (!id) throw new UsageError(`runs ${action} needs a run id.`)
    return id
  }
  switch (action) {
    case 'list':
      return list(context, out, values)
    case 'show': {
      const run = context.runs.get(need())
      out.result({ ...runSummary(run), history: context.runs.history(run.id, 1000) }, () => describeRun(run))
      return
    }
    case 'compare': {
      const ids = positionals.slice(1)
      if (ids.length < 2 || ids.length > 20) throw new UsageError('runs compare takes 2 to 20 run ids.')
      const comparison = await context.runs.compare(ids)
      out.result(comparisonJson(comparison), () => describeComparison(comparison))
      return
    }
    case 'tag': {
      const tag = more[0]?.trim()
      if (!tag || tag.includes(',')) throw new UsageError('runs tag takes a run id and a tag (without commas).')
      const run = context.runs.tag(need(), tag)
      out.result({ id: run.id, tags: run.tags }, () => `Run ${run.id} is tagged ${run.tags.join(', ')}.`)
      return
    }
    case 'resume': {
      const run = await context.runs.resume(need())
      out.status(`Resuming run ${run.id}…`)
      const done = await followRun(context, run, out)
      out.result(runSummary(done), () => describeRun(done))
      return
    }
    case 'export-model': {
      if (!values.out) throw new UsageError('runs export-model needs --out DIR (a new or empty folder).')
      const written = await context.runs.exportModel(need(), resolve(String(values.out)))
      out.result(written, () => `Exported the model to ${written.path}: ${written.files.join(', ')}.`)
      return
    }
    case 'export': {
      if (!values.out) throw new UsageError('runs export needs --out FILE (the archive to write).')
      const path = resolve(String(values.out))
      const { bytes } = await context.runs.exportRun(need(), path)
      out.result({ id, path, bytes }, () => `Exported run ${id} to ${path} (${bytes} bytes).`)
      return
    }
    case 'import': {
      if (!id) throw new UsageError('runs import needs the archive file.')
      const { run, idChanged, datasetAbsent } = await context.runs.importRun(resolve(id))
      out.result({ ...runSummary(run), idChanged, datasetAbsent }, () =>
        [
          `Imported run ${run.id} (${run.name})${idChanged ? ', under a new id: its own was taken here' : ''}.`,
          datasetAbsent ? `Its dataset (${run.datasetName ?? 'unnamed'}) is not in this history.` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      )
      return
    }
    case 'delete': {
      await context.runs.delete(need())
      out.result({ id, deleted: true }, () => `Deleted run ${id}.`)
      return
    }
    default:
      throw new UsageError(
        `runs takes list, show ID, compare ID ID…, tag ID TAG, export ID --out FILE, import FILE, resume ID, export-model ID --out DIR or delete ID${action ? `, not "${action}"` : ''}.`,
      )
  }
}

function list(context: AppContext, out: Output, values: FlagValues): void {
  const sort = String(values.sort)
  if (!isRunKey(sort.replace(/^-/, '')))
    throw new UsageError(
      `--sort: "${sort}" is not a key of the rows; try name, status, createdAt, durationMs, test.accuracy, test.f1, bestValidation.accuracy, bestValidation.loss or config.FIELD (- in front for descending).`,
    )
  const parsed = runsQuerySchema.safeParse({
    status: values.status,
    datasetId: values.dataset,
    model: values.model,
    tag: values.tag,
    groupId: values.group,
    sort,
    limit: Number(values.limit),
  })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new UsageError(`--${flagOf(String(issue.path[0]))}: ${issue.message}`)
  }
  const page = context.runs.query(parsed.data)
  const runs = page.rows.map((r) => context.runs.get(r.id))
  out.result(runs.map(runSummary), () =>
    runs.length === 0
      ? page.total === 0
        ? 'No runs match: start one with `train --dataset ID --preset NAME`.'
        : 'No runs on this page.'
      : [
          ...runs.map(
            (r) =>
              `${r.id}  ${r.status.padEnd(11)} ${r.test ? `${(r.test.accuracy * 100).toFixed(2)}%` : '   —  '}  ${r.name}${r.tags.length ? `  [${r.tags.join(', ')}]` : ''}`,
          ),
          `${runs.length} of ${page.total} runs`,
        ].join('\n'),
  )
}

const flagOf = (field: string) =>
  (({ datasetId: 'dataset', groupId: 'group' }) as Record<string, string>)[field] ?? field

function comparisonJson(c: RunComparison) {
  return {
    runs: c.runs.map(runSummary),
    differing: Object.fromEntries(c.differing.map((k) => [k, c.runs.map((r) => r.config[k])])),
    metrics: c.runs.map((r, i) => ({ runId: r.id, test: runSummary(r).test, epochs: c.metrics[i] })),
    mcnemar: c.mcnemar.map(({ runs, onlyAWrong, onlyBWrong, pValue, significant, method, sentence }) => ({
      runs,
      onlyAWrong,
      onlyBWrong,
      pValue,
      significant,
      method,
      sentence,
    })),
  }
}

function describeComparison(c: RunComparison): string {
  const lines = c.runs.map(
    (r, i) =>
      `${r.id}  ${r.name}: test accuracy ${r.test ? `${(r.test.accuracy * 100).toFixed(2)}%` : '—'}, best validation loss ${c.metrics[i]!.valLoss.best?.toFixed(4) ?? '—'}`,
  )
  lines.push(
    c.differing.length
      ? `Differing settings: ${c.differing.map((k) => `${k} (${c.runs.map((r) => JSON.stringify(r.config[k])).join(' / ')})`).join(', ')}`
      : 'The runs share every setting.',
  )
  for (const m of c.mcnemar) lines.push(m.sentence)
  if (!c.mcnemar.length) lines.push('No pair of these runs has stored predictions on the same test split.')
  return lines.join('\n')
}

/** `queue list | move ID POS | cancel ID`: the runs waiting to train. */
export async function queueCommand(context: AppContext, out: Output, positionals: string[]): Promise<void> {
  const [action, id, position] = positionals
  const show = () => {
    const entries = context.runs.queue.list()
    out.result(entries, () =>
      entries.length === 0
        ? 'Nothing is waiting in the queue.'
        : entries.map((e) => `${String(e.position).padStart(3)}  ${e.runId}  ${e.name}`).join('\n'),
    )
  }
  switch (action) {
    case 'list':
      return show()
    case 'move': {
      const to = Number(position)
      if (!id || !Number.isInteger(to) || to < 1)
        throw new UsageError('queue move takes a run id and a position (1 = next).')
      context.runs.queue.move(id, to)
      return show()
    }
    case 'cancel': {
      if (!id) throw new UsageError('queue cancel takes a run id.')
      const run = context.runs.cancel(id)
      out.result({ id, status: run.status }, () => `Run ${id} is ${run.status}.`)
      return
    }
    default:
      throw new UsageError(`queue takes list, move ID POS or cancel ID${action ? `, not "${action}"` : ''}.`)
  }
}
