/** `import`: a dataset from any supported source, with the wizard's settings as flags. */
import { importSpecSchema, type DatasetSummary, type ImportSpecInput } from '../../../shared/datasets'
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import { followJob } from '../job-progress'
import type { Output } from '../output'

export const importOptions = {
  format: { type: 'string', default: 'auto' },
  path: { type: 'string', multiple: true },
  'test-path': { type: 'string' },
  name: { type: 'string' },
  'class-names': { type: 'string' },
  'text-column': { type: 'string' },
  'label-column': { type: 'string' },
  delimiter: { type: 'string' },
  header: { type: 'boolean' },
  'no-header': { type: 'boolean' },
  'no-quoting': { type: 'boolean' },
  'label-prefix': { type: 'string' },
  'label-map': { type: 'string' },
  encoding: { type: 'string' },
  limit: { type: 'string' },
  lowercase: { type: 'boolean' },
  'keep-html': { type: 'boolean' },
  clean: { type: 'string' },
  tokenizer: { type: 'string' },
  'min-count': { type: 'string' },
  'max-vocab': { type: 'string' },
  'max-len': { type: 'string' },
  padding: { type: 'string' },
  truncating: { type: 'string' },
  split: { type: 'string' },
  'val-ratio': { type: 'string' },
  'test-ratio': { type: 'string' },
  seed: { type: 'string' },
} as const

export type FlagValues = Record<string, string | string[] | boolean | undefined>

const delimiterNames: Record<string, string> = { tab: '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ' }

/** Which flag sets each spec field, to name the flag in errors. */
const flagOf: Record<string, string> = {
  name: '--name',
  'source.format': '--format',
  'source.path': '--path',
  'source.testPath': '--test-path',
  'source.encoding': '--encoding',
  'source.limit': '--limit',
  'source.delimiter': '--delimiter',
  'source.labelMap': '--label-map',
  'source.labelPrefix': '--label-prefix',
  'preprocess.clean': '--clean',
  'preprocess.tokenizer': '--tokenizer',
  'vocab.minCount': '--min-count',
  'vocab.maxSize': '--max-vocab',
  'sequence.maxLen': '--max-len',
  'sequence.padding': '--padding',
  'sequence.truncating': '--truncating',
  'split.mode': '--split',
  'split.valRatio': '--val-ratio',
  'split.testRatio': '--test-ratio',
  'split.seed': '--seed',
}

const num = (v: unknown) => (typeof v === 'string' ? Number(v) : undefined)
const column = (v: unknown) => (typeof v !== 'string' ? undefined : /^\d+$/.test(v) ? Number(v) : v)

function labelMap(text: string): Record<string, string> {
  const map: Record<string, string> = {}
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=')
    if (at <= 0 || at === pair.length - 1)
      throw new UsageError(
        `--label-map takes raw=class pairs separated by commas, e.g. 1=negative,2=positive; "${pair}" is not one.`,
      )
    map[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  return map
}

export function importSpecFromFlags(v: FlagValues): ImportSpecInput {
  const paths = (v.path as string[] | undefined) ?? []
  if (paths.length === 0) throw new UsageError('--path is required: the file or folder to import.')
  const format = v.format as string
  let classFiles: { path: string; className: string }[] | undefined
  if (format === 'lines') {
    const names = typeof v['class-names'] === 'string' ? v['class-names'].split(',').map((s) => s.trim()) : []
    if (names.length !== paths.length)
      throw new UsageError(
        `--format lines needs one --path per class and --class-names with as many names (got ${paths.length} paths, ${names.length} names).`,
      )
    classFiles = paths.map((path, i) => ({ path, className: names[i]! }))
  } else if (paths.length > 1)
    throw new UsageError(`--path is given ${paths.length} times; only --format lines takes several.`)
  if (v.header && v['no-header']) throw new UsageError('--header and --no-header contradict each other.')
  const delimiter = typeof v.delimiter === 'string' ? (delimiterNames[v.delimiter] ?? v.delimiter) : undefined
  return {
    name: v.name as string | undefined,
    source: {
      format: format as never,
      ...(classFiles ? { classFiles } : { path: paths[0] }),
      testPath: v['test-path'] as string | undefined,
      encoding: v.encoding as never,
      limit: num(v.limit),
      labelPrefix: v['label-prefix'] as string | undefined,
      delimiter,
      header: v.header ? true : v['no-header'] ? false : undefined,
      quoting: v['no-quoting'] ? false : undefined,
      textColumn: column(v['text-column']),
      labelColumn: column(v['label-column']),
      labelMap: typeof v['label-map'] === 'string' ? labelMap(v['label-map']) : undefined,
    },
    preprocess: {
      stripHtml: v['keep-html'] ? false : undefined,
      lowercase: v.lowercase === true ? true : undefined,
      clean: v.clean as never,
      tokenizer: v.tokenizer as never,
    },
    vocab: { minCount: num(v['min-count']), maxSize: num(v['max-vocab']) },
    sequence: { maxLen: num(v['max-len']), padding: v.padding as never, truncating: v.truncating as never },
    split: {
      mode: v.split as never,
      valRatio: num(v['val-ratio']),
      testRatio: num(v['test-ratio']),
      seed: num(v.seed),
    },
  }
}

export async function importCommand(context: AppContext, out: Output, values: FlagValues): Promise<void> {
  const parsed = importSpecSchema.safeParse(importSpecFromFlags(values))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = issue.path.join('.')
    throw new UsageError(`${flagOf[field] ?? field}: ${issue.message}`)
  }
  out.status(`Importing ${parsed.data.source.path ?? 'the class files'}…`)
  const d = await followJob(context, context.datasets.startImport(parsed.data), out)
  out.result(
    {
      id: d.id,
      name: d.name,
      classes: d.classes,
      counts: d.counts,
      vocabSize: d.vocabSize,
      skipped: d.skipped.first,
      skippedCount: d.skipped.count,
      durationMs: d.durationMs,
      fingerprint: d.fingerprint,
    },
    () => describeDataset(d),
  )
}

export function describeDataset(d: DatasetSummary): string {
  const perClass = (split: keyof DatasetSummary['counts']) =>
    d.classes.map((c, i) => `${c} ${d.classCounts[split][i]}`).join(', ')
  const lines = [
    `Dataset ${d.name} (${d.id})`,
    `  format ${d.format}, encoding ${d.encoding}, from ${d.sourcePath}`,
    `  train ${d.counts.train} (${perClass('train')}), val ${d.counts.val} (${perClass('val')}), test ${d.counts.test} (${perClass('test')})`,
    `  vocabulary ${d.vocabSize}; tokens per review: median ${d.lengths.median}, 95% ≤ ${d.lengths.p95}, max ${d.lengths.max}; ${(d.lengths.fitShare * 100).toFixed(1)}% fit in ${d.settings.sequence.maxLen}`,
    `  duplicates: ${d.duplicates.repeated} repeated texts, ${d.duplicates.trainTestOverlap} shared by train and test`,
    `  fingerprint ${d.fingerprint.slice(0, 16)}…, imported in ${(d.durationMs / 1000).toFixed(1)} s`,
  ]
  if (d.skipped.count > 0)
    lines.push(
      `  skipped ${d.skipped.count}:`,
      ...d.skipped.first.slice(0, 10).map((p) => `    ${p.where}: ${p.message}`),
    )
  return lines.join('\n')
}
