/** Messages between main and a job process, the same over child_process IPC and Electron's parentPort. */
import type { JobProgress } from '../../../shared/types'
import type { Confinement } from '../security/path-policy'

export type ToWorker =
  | { type: 'start'; jobId: string; kind: string; params: unknown; confinement: Confinement | null }
  | { type: 'cancel' }
  /** A question to a job that serves requests while it runs (`JobContext.serve`, `JobManager.ask`). */
  | { type: 'request'; id: number; data: unknown }
  /** Main has handed one more of the job's events to its kind's hook (they are acknowledged in order). */
  | { type: 'event-ack' }

export type FromWorker =
  | { type: 'progress'; progress: Omit<JobProgress, 'rate' | 'etaMs'> }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** Data of the job's own kind (a training run's points), handed to that kind's `event` hook in main. */
  | { type: 'event'; data: unknown }
  | { type: 'result'; value: unknown }
  | { type: 'error'; message: string; stack?: string }
  /** The job saw the cancel request and stopped cleanly. */
  | { type: 'cancelled' }
  /** The answer to request `id`: its value, its error, or `ended` when the job no longer serves. */
  | { type: 'reply'; id: number; value?: unknown; error?: string; ended?: boolean }
