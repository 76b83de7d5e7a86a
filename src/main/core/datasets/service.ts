/**
 * Datasets in main: starts imports as jobs, turns a finished import's folder into a record, and
 * lists and deletes datasets. An import that fails or is cancelled leaves no record and no files.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DatasetSummary, ImportSpec } from '../../../shared/datasets'
import { ApiError } from '../../../shared/errors'
import type { JobRecord } from '../../../shared/types'
import type { DatasetsRepo } from '../db/datasets-repo'
import type { JobManager } from '../jobs/manager'
import { importJobKind, type ImportOutcome, type ImportParams } from './importer'

const tempPrefix = '.import-'

export class DatasetService {
  constructor(
    private readonly repo: DatasetsRepo,
    private readonly jobs: JobManager,
    private readonly root: string,
  ) {
    jobs.register(importJobKind, {
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
