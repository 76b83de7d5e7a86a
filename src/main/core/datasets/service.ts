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
import type { ImportOutcome, JobOf, JobParams } from '../../../shared/job-catalog'
import type { DatasetsRepo } from '../db/datasets-repo'
import type { JobManager } from '../jobs/manager'
import { imdbArchive } from './get-imdb'

const tempPrefix = '.import-'

export class DatasetService {
  constructor(
    private readonly repo: DatasetsRepo,
    private readonly jobs: JobManager,
    private readonly root: string,
    private readonly downloads: string,
  ) {
    for (const kind of ['import-dataset', 'get-imdb'] as const)
      jobs.register(kind, {
        finalize: (job, outcome) => this.finalize(job.params.dir, outcome),
        cleanup: (job) => rm(job.params.dir, { recursive: true, force: true }),
      })
  }

  /**
   * Folders of imports that a crash interrupted: no record points at them, and the process that
   * owned each (its pid is in the name) is dead. A live process's import, the app's while the CLI
   * starts, is left alone. Folders from before owners were named are removed as before.
   */
  async removeStrayFolders(isAlive: (pid: number) => boolean): Promise<void> {
    if (!existsSync(this.root)) return
    for (const name of await readdir(this.root)) {
      if (!name.startsWith(tempPrefix)) continue
      const owner = name.slice(tempPrefix.length).match(/^(\d+)-/)?.[1]
      if (owner && isAlive(Number(owner))) continue
      await rm(join(this.root, name), { recursive: true, force: true })
    }
  }

  /** A new import's temporary folder, named for this process so others know whose it is. */
  private importDir(): string {
    return join(this.root, `${tempPrefix}${process.pid}-${randomUUID()}`)
  }

  /** Reads a whole source for the wizard's figures. */
  startProfile(params: JobParams<'profile-source'>): JobOf<'profile-source'> {
    return this.jobs.start('profile-source', params)
  }

  startImport(spec: ImportSpec): JobOf<'import-dataset'> {
    return this.jobs.start('import-dataset', { spec, dir: this.importDir() })
  }

  /**
   * Downloads aclImdb into `downloads/` and imports it. The official address is checked against its
   * published size and md5; another address (a mirror, a test server) against its own length, or `md5`.
   */
  startDownload(options: { url?: string; md5?: string; settings: Omit<ImportSpec, 'source'> }): JobOf<'get-imdb'> {
    const official = !options.url || options.url === imdbArchive.url
    const params: JobParams<'get-imdb'> = {
      url: options.url ?? imdbArchive.url,
      archive: join(this.downloads, imdbArchive.fileName),
      size: official ? imdbArchive.size : undefined,
      md5: official ? imdbArchive.md5 : options.md5,
      spec: {
        ...options.settings,
        name: options.settings.name ?? 'aclImdb',
        source: sourceSpecSchema.parse({ format: 'aclimdb', path: join(this.downloads, imdbArchive.fileName) }),
      },
      dir: this.importDir(),
    }
    return this.jobs.start('get-imdb', params)
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

  /** Keeps a finished import: its folder moves into place and the record is written. */
  private async finalize(dir: string, outcome: ImportOutcome): Promise<DatasetSummary> {
    const id = randomUUID()
    const summary: DatasetSummary = { id, createdAt: new Date().toISOString(), ...outcome }
    await rename(dir, this.folder(id))
    try {
      this.repo.insert(summary)
    } catch (err) {
      await rm(this.folder(id), { recursive: true, force: true })
      throw err
    }
    return summary
  }
}
