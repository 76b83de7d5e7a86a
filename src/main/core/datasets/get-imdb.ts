/**
 * "Get the IMDB dataset": what Keras' imdb.load_data and torchtext do for their users. Downloads
 * aclImdb_v1.tar.gz into the data directory (resumable, checked) and imports it from the archive.
 */
import { download } from '../downloads/download'
import type { ImportOutcome, JobParams } from '../../../shared/job-catalog'
import type { JobContext } from '../jobs/worker-runtime'
import { importDataset } from './importer'

/** The official address, with the archive's published size and md5. */
export const imdbArchive = {
  url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
  size: 84_125_825,
  md5: '7c2ac02c03563afcf9b574c7e56c153a',
  fileName: 'aclImdb_v1.tar.gz',
}

export async function getImdb(params: JobParams<'get-imdb'>, ctx: JobContext): Promise<ImportOutcome> {
  await download({
    url: params.url,
    dest: params.archive,
    size: params.size,
    md5: params.md5,
    publicOnly: ctx.confinement ? !ctx.confinement.allowLocalDownloads : false,
    signal: ctx.signal,
    progress: (done, total) => ctx.progress(done, total, 'bytes', 'Downloading aclImdb_v1.tar.gz'),
  })
  ctx.throwIfCancelled()
  const spec = { ...params.spec, source: { ...params.spec.source, format: 'aclimdb' as const, path: params.archive } }
  return importDataset({ spec, dir: params.dir }, ctx)
}
