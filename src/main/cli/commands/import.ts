/** `import`: a dataset from any supported source, with the wizard's settings as flags and the schema's defaults. */
import { parseColumn } from '../../../shared/columns'
import {
  encodings,
  importDefaults,
  importSpecSchema,
  preprocessSchema,
  sequenceSchema,
  sourceFormats,
  sourcePaths,
  splitSchema,
  type DatasetSummary,
  type ImportSpec,
} from '../../../shared/datasets'
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import { followJob } from '../job-progress'
import type { Output } from '../output'

/** No defaults here: a flag left out leaves the field to the schema's default. */
export const importOptions = {
  format: { type: 'string' },
  path: { type: 'string', multiple: true },
  'test-path': { type: 'string' },
  name: { type: 'string' },
  'class-names': { type: 'string' },
  'text-column': { type: 'string' },
  'label-column': { type: 'string' },
  delimiter: { type: 'string' },
  header: { type: 'boolean' },
  'no-header': { type: 'boolean' },
  quoting: { type: 'boolean' },
  'no-quoting': { type: 'boolean' },
  phrases: { type: 'boolean' },
  'no-phrases': { type: 'boolean' },
  'allow-many-classes': { type: 'boolean' },
  'label-prefix': { type: 'string' },
  'label-map': { type: 'string' },
  encoding: { type: 'string' },
  limit: { type: 'string' },
  'strip-html': { type: 'boolean' },
  'no-strip-html': { type: 'boolean' },
  /** The older name of --no-strip-html. */
  'keep-html': { type: 'boolean' },
  lowercase: { type: 'boolean' },
  'no-lowercase': { type: 'boolean' },
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
  stratified: { type: 'boolean' },
  'no-stratified': { type: 'boolean' },
} as const

export type FlagValues = Record<string, string | string[] | boolean | undefined>

const defaults = importDefaults
const on = (value: boolean) => (value ? 'on' : 'off')
const choices = (schema: { unwrap(): { options: readonly string[] } }) => schema.unwrap().options.join('|')
const { clean, tokenizer } = preprocessSchema.shape
const { padding, truncating } = sequenceSchema.shape

/** The import settings for --help, each with the schema's default. */
export const importUsage = `Import settings (for import and datasets download):
  --path P                the file or folder; --format lines: one --path per class
  --format F              auto|${sourceFormats.join('|')} (default ${defaults.source.format})
  --name N                (default: from the file name)
  --class-names a,b       --format lines: the class of each --path, in order
  --test-path P           fastText, delimited, treebank: a separate test file
  --encoding E            ${encodings.join('|')} (default ${defaults.source.encoding})
  --limit N               only the first N examples of each file (default: all)
  --label-prefix S        fastText (default ${defaults.source.labelPrefix})
  --label-map k=v,...     raw label to class name, e.g. 1=negative,2=positive
  --delimiter D           one character, or tab|comma|semicolon|pipe|space (default: detect)
  --header | --no-header  (default: detect)
  --quoting | --no-quoting (default ${on(defaults.source.quoting)})
  --phrases | --no-phrases treebank: also train on every labelled phrase of the training trees (default ${on(defaults.source.phrases)})
  --allow-many-classes    keep a label column whose classes are mostly single examples (refused otherwise)
  --text-column C, --label-column C
                          a header name or a 0-based index (default: detect)
  --strip-html | --no-strip-html (default ${on(defaults.preprocess.stripHtml)}; --keep-html = --no-strip-html)
  --lowercase | --no-lowercase (default ${on(defaults.preprocess.lowercase)})
  --clean ${choices(clean)} (default ${defaults.preprocess.clean})
  --tokenizer ${choices(tokenizer)} (default ${defaults.preprocess.tokenizer})
  --min-count N (default ${defaults.vocab.minCount}), --max-vocab N (default: no limit)
  --max-len N (default ${defaults.sequence.maxLen}), --padding ${choices(padding)} (default ${defaults.sequence.padding}), \
--truncating ${choices(truncating)} (default ${defaults.sequence.truncating})
  --split ${choices(splitSchema.shape.mode)} (default ${defaults.split.mode}), --val-ratio R (default ${defaults.split.valRatio}), \
--test-ratio R (default ${defaults.split.testRatio})
  --seed S (default ${defaults.split.seed}), --stratified | --no-stratified (default ${on(defaults.split.stratified)})`

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
  'source.textColumn': '--text-column',
  'source.labelColumn': '--label-column',
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

const text = (v: unknown) => (typeof v === 'string' ? v : undefined)
const num = (v: unknown) => (typeof v === 'string' ? Number(v) : undefined)

/** A --x / --no-x pair: true, false, or undefined for the schema's default. */
function toggle(v: FlagValues, name: string, off = v[`no-${name}`]): boolean | undefined {
  if (v[name] && off) throw new UsageError(`--${name} and --no-${name} contradict each other.`)
  return v[name] ? true : off ? false : undefined
}

function labelMap(pairs: string): Record<string, string> {
  const map: Record<string, string> = {}
  for (const pair of pairs.split(',')) {
    const at = pair.indexOf('=')
    if (at <= 0 || at === pair.length - 1)
      throw new UsageError(
        `--label-map takes raw=class pairs separated by commas, e.g. 1=negative,2=positive; "${pair}" is not one.`,
      )
    map[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  return map
}

/** The source's location: one path, or with --format lines one path per class and its class name. */
function location(v: FlagValues) {
  const paths = Array.isArray(v.path) ? v.path : []
  if (paths.length === 0) throw new UsageError('--path is required: the file or folder to import.')
  if (v.format === 'lines') {
    const names = typeof v['class-names'] === 'string' ? v['class-names'].split(',').map((s) => s.trim()) : []
    if (names.length !== paths.length)
      throw new UsageError(
        `--format lines needs one --path per class and --class-names with as many names (got ${paths.length} paths, ${names.length} names).`,
      )
    return { classFiles: paths.map((path, i) => ({ path, className: names[i] })) }
  }
  if (paths.length > 1)
    throw new UsageError(`--path is given ${paths.length} times; only --format lines takes several.`)
  return { path: paths[0] }
}

/** The import spec the flags describe, validated; a flag left out takes the schema's default. */
export function importSpecFromFlags(v: FlagValues): ImportSpec {
  const delimiter = text(v.delimiter)
  const parsed = importSpecSchema.safeParse({
    name: text(v.name),
    source: {
      format: text(v.format),
      ...location(v),
      testPath: text(v['test-path']),
      encoding: text(v.encoding),
      limit: num(v.limit),
      labelPrefix: text(v['label-prefix']),
      delimiter: delimiter && (delimiterNames[delimiter] ?? delimiter),
      header: toggle(v, 'header'),
      quoting: toggle(v, 'quoting'),
      phrases: toggle(v, 'phrases'),
      allowManyClasses: v['allow-many-classes'] === true ? true : undefined,
      textColumn: parseColumn(text(v['text-column'])),
      labelColumn: parseColumn(text(v['label-column'])),
      labelMap: typeof v['label-map'] === 'string' ? labelMap(v['label-map']) : undefined,
    },
    preprocess: {
      stripHtml: toggle(v, 'strip-html', v['no-strip-html'] || v['keep-html']),
      lowercase: toggle(v, 'lowercase'),
      clean: text(v.clean),
      tokenizer: text(v.tokenizer),
    },
    vocab: { minCount: num(v['min-count']), maxSize: num(v['max-vocab']) },
    sequence: { maxLen: num(v['max-len']), padding: text(v.padding), truncating: text(v.truncating) },
    split: {
      mode: text(v.split),
      valRatio: num(v['val-ratio']),
      testRatio: num(v['test-ratio']),
      seed: num(v.seed),
      stratified: toggle(v, 'stratified'),
    },
  })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const field = issue.path.join('.')
    throw new UsageError(`${flagOf[field] ?? field}: ${issue.message}`)
  }
  return parsed.data
}

export async function importCommand(context: AppContext, out: Output, values: FlagValues): Promise<void> {
  const spec = importSpecFromFlags(values)
  out.status(`Importing ${sourcePaths(spec.source).join(', ')}…`)
  const d = await followJob(context, context.datasets.startImport(spec), out)
  out.result(
    {
      id: d.id,
      name: d.name,
      classes: d.classes,
      counts: d.counts,
      ...(d.phrases && { phrases: d.phrases }),
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
    `  train ${d.counts.train} (${perClass('train')}${d.phrases ? `; ${d.phrases} of them phrases` : ''}), val ${d.counts.val} (${perClass('val')}), test ${d.counts.test} (${perClass('test')})`,
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
