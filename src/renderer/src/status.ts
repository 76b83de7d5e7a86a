/** How a job's or a run's status is tagged everywhere. */
import type { JobStatus } from '@shared/types'

export const statusTag: Record<JobStatus, 'default' | 'info' | 'success' | 'error' | 'warning'> = {
  queued: 'default',
  running: 'info',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'warning',
  interrupted: 'warning',
}
