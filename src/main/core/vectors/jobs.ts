/** The word-vector job kinds: inspect, fix the header, register, and build a dataset's embedding matrix. */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { JobParams } from '../../../shared/job-catalog'
import type {
  EmbeddingCoverage,
  EmbeddingResult,
  FixHeaderResult,
  Registration,
  VectorInspection,
} from '../../../shared/vectors'
import { readVocabularyWithCounts } from '../datasets/store'
import { download } from '../downloads/download'
import type { JobContext } from '../jobs/worker-runtime'
import { fixHeader } from './fix-header'
import { buildEmbeddingMatrix } from './matrix'
import { inspectVectors } from './scan'

/** The official glove.6B.zip; checked against the length the server announces, or an md5 the user gives. */
export const gloveArchive = { url: 'https://nlp.stanford.edu/data/glove.6B.zip', fileName: 'glove.6B.zip' }

export async function downloadJob(
  params: JobParams<'download-glove'>,
  ctx: JobContext,
): Promise<{ path: string; bytes: number }> {
  const r = await download({
    url: params.url,
    dest: params.dest,
    md5: params.md5,
    publicOnly: ctx.confinement ? !ctx.confinement.allowLocalDownloads : false,
    signal: ctx.signal,
    progress: (done, total) => ctx.progress(done, total, 'bytes', `Downloading ${gloveArchive.fileName}`),
  })
  return { path: r.path, bytes: r.bytes }
}

type VectorFile = JobParams<'inspect-vectors'>

export async function inspectJob(params: VectorFile, ctx: JobContext): Promise<VectorInspection> {
  return inspectVectors(params.path, {
    member: params.member,
    signal: ctx.signal,
    progress: (d, t) => ctx.progress(d, t, 'bytes', 'Reading vectors'),
  })
}

export async function fixHeaderJob(params: JobParams<'fix-vector-header'>, ctx: JobContext): Promise<FixHeaderResult> {
  return fixHeader({
    ...params,
    signal: ctx.signal,
    progress: (d, t, phase) =>
      ctx.progress(d, t, 'bytes', phase === 'checking' ? 'Checking every line' : 'Writing the new file'),
  })
}

/** Inspects the file and hashes it whole, so a run can say exactly which vectors it used. */
export async function registerJob(params: VectorFile, ctx: JobContext): Promise<Registration> {
  // The hash reads the file beside the inspection (the second read comes from the page cache).
  const [inspection, fingerprint] = await Promise.all([inspectJob(params, ctx), fileFingerprint(params, ctx.signal)])
  if (inspection.count === 0) throw new Error(`${params.path} has no usable vectors.`)
  return { inspection, fingerprint }
}

async function fileFingerprint(params: VectorFile, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  // The member goes in first: once the pipeline has ended the hash, an update is silently ignored.
  if (params.member) hash.update(`${params.member}\0`)
  await pipeline(createReadStream(params.path), hash, { signal })
  return hash.digest('hex')
}

/** Builds (or reuses) the float32 matrix for a dataset's vocabulary, cached per vector file and dataset. */
export async function embeddingJob(params: JobParams<'build-embedding'>, ctx: JobContext): Promise<EmbeddingResult> {
  const matrixPath = join(params.cacheDir, `${params.cacheKey}.f32`)
  const coveragePath = join(params.cacheDir, `${params.cacheKey}.json`)
  if (existsSync(matrixPath) && existsSync(coveragePath)) {
    const cached = JSON.parse(await readFile(coveragePath, 'utf8')) as EmbeddingCoverage & { dim: number }
    return { ...cached, matrixPath, cached: true }
  }
  await mkdir(params.cacheDir, { recursive: true })
  const { tokens, counts } = await readVocabularyWithCounts(params.datasetDir)
  const result = await buildEmbeddingMatrix({
    path: params.path,
    member: params.member,
    vocab: tokens,
    counts,
    foldCase: params.foldCase,
    oov: params.oov,
    seed: params.seed,
    out: matrixPath,
    signal: ctx.signal,
    progress: (d, t) => ctx.progress(d, t, 'bytes', 'Reading vectors for the vocabulary'),
  })
  await writeFile(coveragePath, JSON.stringify(result))
  return { ...result, matrixPath, cached: false }
}
