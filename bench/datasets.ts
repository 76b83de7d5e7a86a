/**
 * Dataset import benchmarks (issue 3): the real aclImdb, from the .tar.gz and from the extracted
 * folder (targets: <= 10 s, < 1.5 GB peak), and a generated fastText file of 1,000,000 reviews
 * (target: >= 30 MB/s, memory growing with what is kept, not with the file).
 */
import { execFileSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { importDataset } from '../src/main/core/datasets/importer'
import type { JobContext } from '../src/main/core/jobs/worker-runtime'
import { importSpecSchema, type ImportSpecInput } from '../src/shared/datasets'
import { seededRandom } from '../src/main/core/datasets/splits'
import { mb, measure } from './measure'

/** The job context a job process gives an import, here in-process. */
function benchContext(): JobContext {
  const abort = new AbortController()
  return {
    jobId: 'bench',
    signal: abort.signal,
    progress: () => {},
    log: () => {},
    throwIfCancelled: () => {},
    emit: async () => {},
    serve: () => {},
  }
}

async function timedImport(work: string, input: ImportSpecInput) {
  const dir = join(work, 'dataset-out')
  rmSync(dir, { recursive: true, force: true })
  const r = await measure(() => importDataset({ spec: importSpecSchema.parse(input), dir }, benchContext()))
  return {
    seconds: +r.seconds.toFixed(2),
    peakRssAboveBaselineMb: +r.peakRssAboveBaselineMb.toFixed(0),
    counts: r.value.counts,
    vocabSize: r.value.vocabSize,
    duplicates: r.value.duplicates,
  }
}

async function generateFastText(file: string, reviews: number): Promise<void> {
  if (existsSync(file)) return
  const random = seededRandom(7)
  const words = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}`)
  const out = createWriteStream(file)
  let chunk: string[] = []
  for (let i = 0; i < reviews; i++) {
    const n = 20 + Math.floor(random() * 120)
    const text = Array.from({ length: n }, () => words[Math.floor(random() ** 2 * words.length)]).join(' ')
    chunk.push(`__label__${1 + (i % 2)} ${text}`)
    if (chunk.length === 5000) {
      if (!out.write(chunk.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()))
      chunk = []
    }
  }
  await new Promise<void>((resolve) => out.end(chunk.length ? chunk.join('\n') + '\n' : '', () => resolve()))
}

/**
 * An import the way users run it: the built CLI starting a job process (the bundled worker, not the
 * TypeScript sources the in-process figures run through tsx). importMs is the job's own measure.
 */
function importThroughCli(work: string, flags: string[]) {
  const root = join(__dirname, '..')
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] })
  const dataDir = join(work, 'cli-data')
  rmSync(dataDir, { recursive: true, force: true })
  const t0 = performance.now()
  const out = execFileSync(
    process.execPath,
    [join(root, 'out', 'main', 'cli.js'), 'import', ...flags, '--data-dir', dataDir, '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  )
  const wallSeconds = (performance.now() - t0) / 1000
  return { importMs: (JSON.parse(out) as { durationMs: number }).durationMs, wallSeconds: +wallSeconds.toFixed(2) }
}

export async function benchDatasets(work: string, data: string) {
  const archive = join(data, 'aclImdb_v1_labelled.tar.gz')
  const results: Record<string, unknown> = {}
  if (existsSync(archive)) {
    process.stderr.write('datasets: aclImdb from the .tar.gz…\n')
    results.aclImdbTarGz = await timedImport(work, {
      source: { format: 'aclimdb', path: archive },
      preprocess: { lowercase: true },
    })
    const folder = join(work, 'aclImdb-extracted')
    if (!existsSync(join(folder, 'aclImdb'))) {
      mkdirSync(folder, { recursive: true })
      execFileSync('tar', ['xzf', archive, '-C', folder])
    }
    process.stderr.write('datasets: aclImdb from the extracted folder…\n')
    results.aclImdbFolder = await timedImport(work, {
      source: { format: 'aclimdb', path: join(folder, 'aclImdb') },
      preprocess: { lowercase: true },
    })
    results.aclImdbTarget = '<= 10 s, < 1.5 GB peak'
  } else results.aclImdb = `skipped: ${archive} not found (pass --data DIR)`
  const ft = join(work, 'fasttext-1m.txt')
  process.stderr.write('datasets: generating 1,000,000 fastText reviews…\n')
  await generateFastText(ft, 1_000_000)
  const bytes = statSync(ft).size
  process.stderr.write('datasets: importing them through the built CLI and a job process, as users do…\n')
  const job = importThroughCli(work, ['--format', 'fasttext', '--path', ft, '--keep-html', '--min-count', '2'])
  results.fastText1MJob = {
    ...job,
    megabytesPerSecond: +(mb(bytes) / (job.importMs / 1000)).toFixed(1),
    target: '>= 30 MB/s',
  }
  process.stderr.write('datasets: the same in this process (memory)…\n')
  const r = await timedImport(work, {
    source: { format: 'fasttext', path: ft },
    preprocess: { stripHtml: false },
    vocab: { minCount: 2 },
  })
  results.fastText1M = {
    ...r,
    megabytes: +mb(bytes).toFixed(0),
    megabytesPerSecond: +(mb(bytes) / r.seconds).toFixed(1),
    target: '>= 30 MB/s',
  }
  return results
}
