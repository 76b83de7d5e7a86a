/** Word vectors in main: jobs to inspect, fix, register and embed, and the registered files. */
import { randomUUID } from 'node:crypto'
import { access, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiError } from '../../../shared/errors'
import type { JobOf, JobParams } from '../../../shared/job-catalog'
import type { Registration, VectorFileRecord } from '../../../shared/vectors'
import type { VectorsRepo } from '../db/vectors-repo'
import type { DatasetService } from '../datasets/service'
import type { JobManager } from '../jobs/manager'
import { gloveArchive } from './jobs'
import { vectorFileKind, zipMembers } from './open'

export interface EmbeddingOptions {
  vectorsId: string
  datasetId: string
  foldCase: boolean
  oov: 'zeros' | 'random'
  seed: number
}

export class VectorService {
  constructor(
    private readonly repo: VectorsRepo,
    private readonly jobs: JobManager,
    private readonly datasets: DatasetService,
    private readonly root: string,
    private readonly downloads: string,
  ) {
    jobs.register('register-vectors', {
      finalize: (job, registration) => this.finalizeRegistration(job.params, registration),
    })
  }

  inspect(params: JobParams<'inspect-vectors'>): JobOf<'inspect-vectors'> {
    return this.jobs.start('inspect-vectors', params)
  }

  fixHeader(params: JobParams<'fix-vector-header'>): JobOf<'fix-vector-header'> {
    return this.jobs.start('fix-vector-header', params)
  }

  async members(path: string): Promise<{ name: string; size: number }[] | null> {
    try {
      await access(path)
      return (await vectorFileKind(path)) === 'zip' ? await zipMembers(path) : null
    } catch (err) {
      throw new ApiError('failed', `${path} cannot be read: ${(err as Error).message}`, 'path')
    }
  }

  download(url?: string, md5?: string): JobOf<'download-glove'> {
    const dest = join(this.downloads, gloveArchive.fileName)
    return this.jobs.start('download-glove', { url: url ?? gloveArchive.url, dest, md5 })
  }

  add(params: JobParams<'register-vectors'>): JobOf<'register-vectors'> {
    return this.jobs.start('register-vectors', params)
  }

  /** Builds (or reuses) the embedding matrix of a dataset's vocabulary; the result has the coverage. */
  embedding(options: EmbeddingOptions): JobOf<'build-embedding'> {
    return this.jobs.start('build-embedding', this.embeddingParams(options))
  }

  /** Where a dataset's matrix for these vectors is built and cached (a training job builds it itself). */
  embeddingParams(options: EmbeddingOptions): JobParams<'build-embedding'> {
    const vectors = this.get(options.vectorsId)
    this.datasets.get(options.datasetId)
    return {
      path: vectors.path,
      member: vectors.member ?? undefined,
      datasetDir: this.datasets.folder(options.datasetId),
      cacheDir: join(this.root, vectors.id),
      cacheKey: `${options.datasetId}-${options.foldCase ? 'folded' : 'cased'}-${options.oov}${options.oov === 'random' ? `-${options.seed}` : ''}`,
      foldCase: options.foldCase,
      oov: options.oov,
      seed: options.seed,
    }
  }

  list(): VectorFileRecord[] {
    return this.repo.list()
  }

  get(id: string): VectorFileRecord {
    const v = this.repo.get(id)
    if (!v) throw new ApiError('not_found', `No vector file with id ${id}.`, 'id')
    return v
  }

  /** Forgets a registered file and its cached matrices; the vector file itself stays where it is. */
  async delete(id: string): Promise<void> {
    this.get(id)
    this.repo.delete(id)
    await rm(join(this.root, id), { recursive: true, force: true })
  }

  private finalizeRegistration(params: JobParams<'register-vectors'>, r: Registration): VectorFileRecord {
    const record: VectorFileRecord = {
      id: randomUUID(),
      path: params.path,
      member: r.inspection.member,
      fingerprint: r.fingerprint,
      format: r.inspection.format,
      count: r.inspection.count,
      dim: r.inspection.dim,
      createdAt: new Date().toISOString(),
    }
    this.repo.insert(record, r.inspection)
    return record
  }
}
