/**
 * Datasets in main: starts imports as jobs, turns a finished import's folder into a record, and
 * lists and deletes datasets. An import that fails or is cancelled leaves no record and no files.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { sourceSpecSchema, type DatasetSummary, type ImportSpec } from '../../../shared/datasets'
import { ApiError } from '../../../shared/errors'
import type { JobRecord } from '../../../shared/types'
import type { DatasetsRepo } from '../db/datasets-repo'
import type { JobManager } from '../jobs/manager'
import { importJobKind, type ImportOutcome, type ImportParams } from './importer'
import { getImdbJobKind, imdbArchive, type GetImdbParams } from './get-imdb'

const tempPrefix = '.import-'

export class DatasetService {
  constructor(
    private readonly repo: DatasetsRepo,
    private readonly jobs: JobManager,
    private readonly root: string,
    private readonly downloads: string,
  ) {
    for (const kind of [importJobKind, getImdbJobKind])
      jobs.register(kind, {
        finalize: (job, result) => this.finalize(job, result as ImportOutcome),
        cleanup: (job) => rm((job.params as ImportParams).dir, { recursive: true, force: true }),
      })
  }

  /** Folders of imports that a crash interrupted: no record points at them. */
  async removeStrayFolders(): Promise<void> {
    if (!existsSync(this.root)) return
    for (const name of await readdir(this.root))
      if (name.startsWith(tempPrefix)) await rm(join(this.root, name), { recursive: true, force: true })
  }

  startImport(spec: ImportSpec): JobRecord {
    const params: ImportParams = { spec, dir: join(this.root, `${tempPrefix}${randomUUID()}`) }
    return this.jobs.start(importJobKind, params)
  }

  /**
   * Downloads aclImdb into `downloads/` and imports it. The official address is checked against its
   * published size and md5; another address (a mirror, a test server) against its own length, or `md5`.
   */
  startDownload(options: { url?: string; md5?: string; settings: Omit<ImportSpec, 'source'> }): JobRecord {
    const official = !options.url || options.url === imdbArchive.url
    const params: GetImdbParams = {
      url: options.url ?? imdbArchive.url,
      archive: join(this.downloads, imdbArchive.fileName),
      size: official ? imdbArchive.size : undefined,
      md5: official ? imdbArchive.md5 : options.md5,
      spec: {
        ...options.settings,
        name: options.settings.name ?? 'aclImdb',
        source: sourceSpecSchema.parse({ format: 'aclimdb', path: join(this.downloads, imdbArchive.fileName) }),
      },
      dir: join(this.root, `${tempPrefix}${randomUUID()}`),
    }
    return this.jobs.start(getImdbJobKind, params)
  }

  list(): DatasetSummary[] {
    return this.repo.list()
  }

  get(id: string): DatasetSummary {
    const d = this.repo.get(id)
    if (!d) throw new ApiError('not_found', `No dataset with id ${id}.`, 'id')
    return d
  }

  folder(id: string): string {
    return join(this.root, id)
  }

  async delete(id: string): Promise<void> {
    this.get(id)
    // The record goes first: a folder left by a failed removal is harmless, a record without files is not.
    this.repo.delete(id)
    await rm(this.folder(id), { recursive: true, force: true })
  }

  private async finalize(job: JobRecord, outcome: ImportOutcome): Promise<DatasetSummary> {
    const id = randomUUID()
    const summary: DatasetSummary = { id, createdAt: new Date().toISOString(), ...outcome }
    await rename((job.params as ImportParams).dir, this.folder(id))
    try {
      this.repo.insert(summary)
    } catch (err) {
      await rm(this.folder(id), { recursive: true, force: true })
      throw err
    }
    return summary
  }
}
