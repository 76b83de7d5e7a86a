/** App, runtime and backend facts; detection runs as a job and is cached for the process. */
import { ApiError } from '../../../shared/errors'
import type { AppInfo, Detection } from '../../../shared/types'
import type { JobManager } from '../jobs/manager'
import { appVersion } from '../version'

export class InfoService {
  private detection: Promise<Detection> | null = null

  constructor(
    private readonly jobs: JobManager,
    private readonly facts: { dataDir: string; dbPath: string; schemaVersion: () => number },
  ) {}

  /** Runs the detect-backends job (once per process unless refresh is asked). */
  detect(refresh = false): Promise<Detection> {
    if (!this.detection || refresh) {
      const attempt = this.jobs.run('detect-backends', {}).then((job) => {
        if (job.status !== 'succeeded' || !job.result)
          throw new ApiError('failed', `Backend detection ${job.status}: ${job.error ?? 'no reason given'}`)
        return job.result
      })
      // A failed detection is not cached: the next call tries again.
      attempt.catch(() => {
        if (this.detection === attempt) this.detection = null
      })
      this.detection = attempt
    }
    return this.detection
  }

  async info(refresh = false): Promise<AppInfo> {
    const { backends, selectedBackend } = await this.detect(refresh)
    return {
      version: appVersion,
      dataDir: this.facts.dataDir,
      dbPath: this.facts.dbPath,
      schemaVersion: this.facts.schemaVersion(),
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      platform: process.platform,
      arch: process.arch,
      backends,
      selectedBackend,
      detectedAt: new Date().toISOString(),
    }
  }
}
