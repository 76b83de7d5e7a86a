/** The job kinds the app's job processes run, by name. */
import { detectBackendsJob } from '../backends/detect'
import { getImdb, getImdbJobKind, type GetImdbParams } from '../datasets/get-imdb'
import { importDataset, importJobKind, type ImportParams } from '../datasets/importer'
import type { JobKinds } from './worker-runtime'

export function jobKinds(workerEntry: string): JobKinds {
  return {
    'detect-backends': detectBackendsJob(workerEntry),
    [importJobKind]: (ctx) => importDataset(ctx.params as ImportParams, ctx),
    [getImdbJobKind]: (ctx) => getImdb(ctx.params as GetImdbParams, ctx),
  }
}
