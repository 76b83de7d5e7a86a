/** What a run reports: test figures, per-step, per-epoch and validation points, and the run's record. */
import type { BackendName, JobStatus } from '../types'
import type { TrainConfig } from './config'

export interface ClassMetrics {
  precision: number
  recall: number
  f1: number
  support: number
}

export interface TestMetrics {
  loss: number
  accuracy: number
  /** Macro averages over the classes. */
  precision: number
  recall: number
  f1: number
  perClass: Record<string, ClassMetrics>
  /** confusion[actual][predicted]. */
  confusion: number[][]
  /** Binary tasks: area under the ROC curve and its points (false and true positive rates). */
  auc: number | null
  roc: { fpr: number[]; tpr: number[] } | null
}

export interface EpochMetrics {
  epoch: number
  trainLoss: number
  trainAccuracy: number
  valLoss: number | null
  valAccuracy: number | null
  durationMs: number
}

export interface StepMetrics {
  step: number
  epoch: number
  loss: number
  accuracy: number
  learningRate: number
  samplesPerSec: number
}

export interface ValidationPoint {
  step: number
  epoch: number
  loss: number
  accuracy: number
}

export interface RunRecord {
  id: string
  name: string
  datasetId: string | null
  datasetName: string | null
  vectorsId: string | null
  jobId: string | null
  preset: string | null
  config: TrainConfig
  status: JobStatus
  backend: BackendName | null
  seed: number
  test: TestMetrics | null
  bestValidation: (ValidationPoint & { checkpoint: boolean }) | null
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  durationMs: number | null
  samplesPerSecond: number | null
  /** Steps and epochs done so far (for a resumed or running run). */
  progress: { step: number; epoch: number; totalSteps: number } | null
  tags: string[]
  note: string
  starred: boolean
  /** Runs started together (repeats with other seeds) share a group. */
  groupId: string | null
  /** The dataset's content fingerprint when the run started: runs with the same one share the test split. */
  datasetFingerprint: string | null
  /** Trained on the training and validation splits together (Auto's refit): its validation figures are on examples it trained on. */
  refit: boolean
}

/** The run's curves: per-step points, per-epoch rows and validation points, and its log. */
export interface RunHistory {
  steps: StepMetrics[]
  epochs: EpochMetrics[]
  validations: ValidationPoint[]
  log: string[]
}

/** Sent on `run.updated` while a run trains: new points since the last event. */
export interface RunUpdate {
  runId: string
  status: JobStatus
  steps: StepMetrics[]
  epochs: EpochMetrics[]
  validations: ValidationPoint[]
  log: string[]
  /** Where the run stands, when the update carries new steps. */
  progress: { step: number; epoch: number; totalSteps: number } | null
}

/** A bundle's learned vectors of its most frequent words, for the embeddings map. */
export interface WordVectors {
  words: string[]
  dim: number
  /** words.length x dim values, row by row. */
  vectors: number[]
}
