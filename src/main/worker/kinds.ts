/** What a job process does for each kind of the catalog. */
import type { jobCatalog } from '../../shared/job-catalog'
import { detectBackendsJob } from '../core/backends/detect'
import { getImdb } from '../core/datasets/get-imdb'
import { importDataset } from '../core/datasets/importer'
import { profileSource } from '../core/datasets/profile'
import { trainJob } from '../core/engine/train'
import type { JobHandlers } from '../core/jobs/worker-runtime'
import { predictorJob, scoreJob } from '../core/scoring/job'
import { downloadJob, embeddingJob, fixHeaderJob, inspectJob, registerJob } from '../core/vectors/jobs'

/** `workerEntry` is this process's own entry: backend detection forks it once per probe. */
export function jobHandlers(workerEntry: string): JobHandlers<typeof jobCatalog> {
  return {
    'detect-backends': detectBackendsJob(workerEntry),
    'import-dataset': importDataset,
    'get-imdb': getImdb,
    'profile-source': profileSource,
    'inspect-vectors': inspectJob,
    'fix-vector-header': fixHeaderJob,
    'register-vectors': registerJob,
    'build-embedding': embeddingJob,
    'download-glove': downloadJob,
    train: trainJob,
    score: scoreJob,
    predictor: predictorJob,
  }
}
