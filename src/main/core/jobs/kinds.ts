/** The job kinds the app's job processes run, by name. */
import { detectBackendsJob } from '../backends/detect'
import { getImdb, getImdbJobKind, type GetImdbParams } from '../datasets/get-imdb'
import { importDataset, importJobKind, type ImportParams } from '../datasets/importer'
import {
  downloadJob,
  embeddingJob,
  fixHeaderJob,
  inspectJob,
  registerJob,
  vectorJobKinds,
  type DownloadParams,
  type EmbeddingParams,
  type FixHeaderParams,
  type InspectParams,
} from '../vectors/jobs'
import { trainJob, trainJobKind, type TrainParams } from '../engine/train'
import type { JobKinds } from './worker-runtime'

export function jobKinds(workerEntry: string): JobKinds {
  return {
    'detect-backends': detectBackendsJob(workerEntry),
    [importJobKind]: (ctx) => importDataset(ctx.params as ImportParams, ctx),
    [getImdbJobKind]: (ctx) => getImdb(ctx.params as GetImdbParams, ctx),
    [vectorJobKinds.inspect]: (ctx) => inspectJob(ctx.params as InspectParams, ctx),
    [vectorJobKinds.fixHeader]: (ctx) => fixHeaderJob(ctx.params as FixHeaderParams, ctx),
    [vectorJobKinds.register]: (ctx) => registerJob(ctx.params as InspectParams, ctx),
    [vectorJobKinds.embedding]: (ctx) => embeddingJob(ctx.params as EmbeddingParams, ctx),
    [vectorJobKinds.download]: (ctx) => downloadJob(ctx.params as DownloadParams, ctx),
    [trainJobKind]: (ctx) => trainJob(ctx.params as TrainParams, ctx),
  }
}
