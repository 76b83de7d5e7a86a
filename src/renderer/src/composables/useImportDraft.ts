/**
 * The import wizard's draft: every setting as the form holds it, started from the schema's defaults,
 * and the spec it makes for `datasets.preview` and `datasets.import`.
 */
import { parseColumn } from '@shared/columns'
import {
  importDefaults,
  type Encoding,
  type ImportSpecInput,
  type SourceSpec,
  type SourceSpecInput,
} from '@shared/datasets'
import { computed, reactive, ref } from 'vue'

/** The source as the form holds it: empty inputs are '' or null, meaning "detect" or "none". */
export interface SourceDraft {
  format: SourceSpec['format']
  path: string
  testPath: string
  classFiles: { path: string; className: string }[]
  encoding: Encoding
  limit: number | null
  labelPrefix: string
  delimiter: string | null
  header: boolean | null
  quoting: boolean
  /** Treebank: train on every labelled phrase too. */
  phrases: boolean
  /** As picked: a header name or an index in digits, read by `parseColumn`. */
  textColumn: string | null
  labelColumn: string | null
}

export function useImportDraft() {
  const d = importDefaults
  const source = reactive<SourceDraft>({
    format: d.source.format,
    path: '',
    testPath: '',
    // Two classes to start from, as rt-polarity has.
    classFiles: [
      { path: '', className: 'pos' },
      { path: '', className: 'neg' },
    ],
    encoding: d.source.encoding,
    limit: d.source.limit ?? null,
    labelPrefix: d.source.labelPrefix,
    delimiter: d.source.delimiter ?? null,
    header: d.source.header ?? null,
    quoting: d.source.quoting,
    phrases: d.source.phrases,
    textColumn: null,
    labelColumn: null,
  })
  /** Raw label → the class name the user gave it. */
  const labelNames = reactive<Record<string, string>>({})
  const preprocess = reactive({ ...d.preprocess })
  const vocab = reactive({ minCount: d.vocab.minCount, maxSize: d.vocab.maxSize ?? null })
  const sequence = reactive({ ...d.sequence })
  const split = reactive({ ...d.split })
  const name = ref('')

  const isLines = computed(() => source.format === 'lines')
  const sourceReady = computed(() =>
    isLines.value ? source.classFiles.every((f) => f.path && f.className) : source.path !== '',
  )

  /** The labels the user renamed become a mapping; untouched ones keep their raw names. */
  const labelMap = computed(() => {
    const renamed = Object.entries(labelNames).some(([raw, n]) => n.trim() !== '' && n.trim() !== raw)
    return renamed
      ? Object.fromEntries(Object.entries(labelNames).map(([raw, n]) => [raw, n.trim() || raw]))
      : undefined
  })

  const sourceSpec = computed<SourceSpecInput>(() => {
    const options = {
      testPath: source.testPath || undefined,
      encoding: source.encoding,
      limit: source.limit ?? undefined,
      labelPrefix: source.labelPrefix || undefined,
      delimiter: source.delimiter || undefined,
      header: source.header ?? undefined,
      quoting: source.quoting,
      phrases: source.phrases,
      textColumn: parseColumn(source.textColumn),
      labelColumn: parseColumn(source.labelColumn),
      labelMap: labelMap.value,
    }
    return source.format === 'lines'
      ? { ...options, format: source.format, classFiles: source.classFiles }
      : { ...options, format: source.format, path: source.path }
  })

  const spec = computed<ImportSpecInput>(() => ({
    name: name.value.trim() || undefined,
    source: sourceSpec.value,
    preprocess,
    vocab: { minCount: vocab.minCount, maxSize: vocab.maxSize ?? undefined },
    sequence,
    split,
  }))

  return { source, labelNames, preprocess, vocab, sequence, split, name, isLines, sourceReady, spec }
}

export type ImportDraft = ReturnType<typeof useImportDraft>
