/**
 * Every job kind, declared once, as `contract.ts` declares requests: the params its job process
 * receives (a zod schema, checked there before the handler runs), the units its progress counts, what
 * the job process returns (`output`) and what the finished record's `result` holds (main's finalize
 * hook may turn the output into a record; otherwise it is the output). The job manager, the job
 * handlers, the contract's job requests, the renderer's useJob and the CLI's job follower all take
 * their types from here. Plain data and zod only: main, job processes and the renderer import it.
 */
import { z } from 'zod'
import type { DatasetSummary, SourceProfile } from './datasets'
import { importSpecSchema, profileParamsSchema } from './datasets'
import type { Detection, JobRecord } from './types'
import { trainParamsSchema, type TrainEvent, type TrainOutcome } from './training/job'
import {
  embeddingParamsSchema,
  vectorFileSchema,
  type EmbeddingResult,
  type FixHeaderResult,
  type Registration,
  type VectorFileRecord,
  type VectorInspection,
} from './vectors'
import {
  predictorParamsSchema,
  scoreParamsSchema,
  type PredictQuery,
  type Prediction,
  type ScoreEvent,
  type ScoreOutcome,
} from './scoring'

export interface JobKindSpec<
  P extends z.ZodType = z.ZodType,
  U extends string = string,
  O = unknown,
  R = O,
  E = unknown,
  Q = unknown,
  A = unknown,
> {
  params: P
  units: readonly U[]
  /** Phantom: the job process's return value. */
  output: O
  /** Phantom: the finished record's result. */
  result: R
  /** Phantom: what the job streams to main while it runs (`ctx.emit`), if anything. */
  event: E
  /** Phantom: the requests a job of this kind answers while it runs (`ctx.serve`), and its answers. */
  request: Q
  reply: A
}

/**
 * A job kind returning `O` from its process, `R` (default `O`) as its record's result, streaming `E`s,
 * answering requests `Q` with `A` while it runs.
 */
export function jobKind<O, R = O, E = never, Q = never, A = never>() {
  return <P extends z.ZodType, const U extends string>(
    params: P,
    units: readonly U[],
  ): JobKindSpec<P, U, O, R, E, Q, A> => ({
    params,
    units,
    output: undefined as unknown as O,
    result: undefined as unknown as R,
    event: undefined as unknown as E,
    request: undefined as unknown as Q,
    reply: undefined as unknown as A,
  })
}

const path = z.string().min(1)
const importParams = z.object({
  spec: importSpecSchema,
  /** The temporary folder the import writes into; main renames it into place. */
  dir: path,
})
const downloadParams = z.object({
  url: z.string(),
  /** Where the file is kept in the data directory. */
  dest: path,
  md5: z.string().optional(),
})
const importUnits = ['bytes', 'files', 'examples'] as const

/** What an import job returns; main adds the id and the creation time when it keeps the folder. */
export type ImportOutcome = Omit<DatasetSummary, 'id' | 'createdAt'>

export const jobCatalog = {
  'detect-backends': jobKind<Detection>()(z.object({}), ['backends']),
  'import-dataset': jobKind<ImportOutcome, DatasetSummary>()(importParams, importUnits),
  /** Downloads aclImdb (resumable, checked) and imports it. */
  'get-imdb': jobKind<ImportOutcome, DatasetSummary>()(
    importParams.extend({
      url: z.string(),
      archive: path,
      size: z.number().int().optional(),
      md5: z.string().optional(),
    }),
    importUnits,
  ),
  /** Reads a whole source once for the wizard: class shares, lengths and vocabulary of all of it. */
  'profile-source': jobKind<SourceProfile>()(profileParamsSchema, importUnits),
  'inspect-vectors': jobKind<VectorInspection>()(vectorFileSchema, ['bytes']),
  'fix-vector-header': jobKind<FixHeaderResult>()(
    vectorFileSchema.extend({
      out: z.string().optional(),
      remove: z.boolean().optional(),
      dropBadLines: z.boolean().optional(),
    }),
    ['bytes'],
  ),
  'register-vectors': jobKind<Registration, VectorFileRecord>()(vectorFileSchema, ['bytes']),
  /** Builds (or reuses) the float32 matrix of a dataset's vocabulary for a vector file. */
  'build-embedding': jobKind<EmbeddingResult>()(embeddingParamsSchema, ['bytes']),
  'download-glove': jobKind<{ path: string; bytes: number }>()(downloadParams, ['bytes']),
  train: jobKind<TrainOutcome, TrainOutcome, TrainEvent>()(trainParamsSchema, ['steps', 'bytes']),
  /** Scores an input with a run's model; rows stream to main as they are written. */
  score: jobKind<ScoreOutcome, ScoreOutcome, ScoreEvent>()(scoreParamsSchema, ['items', 'bytes']),
  /**
   * A run's model kept loaded in a long-lived process that answers predictions (main never loads
   * tfjs) until it has been idle for `idleMs` or is cancelled; returns how many it answered.
   */
  predictor: jobKind<{ answered: number }, { answered: number }, never, PredictQuery, Prediction>()(
    predictorParamsSchema,
    ['items'],
  ),
} satisfies Catalog

export type Catalog = Record<string, JobKindSpec>
export type JobKind = keyof typeof jobCatalog

/** Generic over a catalog, so the job manager's tests can run a catalog of their own. */
export type KindParams<C extends Catalog, K extends keyof C> = z.output<C[K]['params']>
export type KindOutput<C extends Catalog, K extends keyof C> = C[K]['output']
export type KindResult<C extends Catalog, K extends keyof C> = C[K]['result']
export type KindUnit<C extends Catalog, K extends keyof C> = C[K]['units'][number]
export type KindEvent<C extends Catalog, K extends keyof C> = C[K]['event']
export type KindRequest<C extends Catalog, K extends keyof C> = C[K]['request']
export type KindReply<C extends Catalog, K extends keyof C> = C[K]['reply']
/** A job record of one kind, with that kind's params and result. */
export type KindRecord<C extends Catalog, K extends keyof C & string> = JobRecord<K, KindParams<C, K>, KindResult<C, K>>

export type JobParams<K extends JobKind> = KindParams<typeof jobCatalog, K>
export type JobOutput<K extends JobKind> = KindOutput<typeof jobCatalog, K>
export type JobResult<K extends JobKind> = KindResult<typeof jobCatalog, K>
export type JobOf<K extends JobKind> = KindRecord<typeof jobCatalog, K>

/** Narrows a record that came over a transport to its kind, by its kind. */
export function isJobOf<K extends JobKind>(job: JobRecord, kind: K): job is JobOf<K> {
  return job.kind === kind
}

/** A finished job's result; its error, thrown, when it did not succeed. */
export function resultOf<K extends string, P, R>(job: JobRecord<K, P, R>): R {
  if (job.status !== 'succeeded' || job.result === null) throw new Error(job.error ?? `The job ended ${job.status}.`)
  return job.result
}
