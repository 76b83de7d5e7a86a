/**
 * The `train` job as main starts it and as it ends: its kind's name, its params (a schema, for the job
 * catalog) and its outcome. Plain data: main imports this without loading tfjs.
 */
import { z } from 'zod'
import { preprocessSchema } from '../datasets'
import { backendNames, type BackendName, type ThreadSettings } from '../types'
import { embeddingParamsSchema } from '../vectors'
import { trainConfigSchema } from './config'
import type { EpochMetrics, StepMetrics, TestMetrics, ValidationPoint } from './results'

export const trainJobKind = 'train'

export const trainParamsSchema = z
  .object({
    runId: z.string().min(1),
    runDir: z.string().min(1),
    datasetDir: z.string().min(1),
    dataset: z.object({
      id: z.string().min(1),
      name: z.string(),
      fingerprint: z.string(),
      preprocess: preprocessSchema,
    }),
    classes: z.array(z.string()),
    vocabSize: z.number().int().min(1),
    config: trainConfigSchema,
    backend: z.enum(backendNames),
    /** How to build the pretrained embedding matrix, when config.vectors is set. */
    embedding: embeddingParamsSchema.optional(),
    /** Continue from the last checkpoint instead of starting over. */
    resume: z.boolean(),
    /** Leave the test split alone (Auto's trials; only the search's winner is tested). */
    skipTest: z.boolean().default(false),
    /**
     * Train on the training and validation splits together (Auto's refit of its winner, with the
     * winner's epochs): the validation figures are then on examples it trained on, and the test takes
     * the last weights.
     */
    refit: z.boolean().default(false),
  })
  .strict()
export type TrainParams = z.output<typeof trainParamsSchema>

export interface TrainOutcome {
  backend: BackendName
  backendDetail: string
  /** The library that ran the math ("TensorFlow 2.21.0", "tfjs 4.22.0") and its threads on the native rungs. */
  library: string
  threads: ThreadSettings | null
  test: TestMetrics | null
  bestValidation: ValidationPoint | null
  durationMs: number
  samplesPerSecond: number
  steps: number
  epochs: number
}

/** What a training job streams to main while it runs (`ctx.emit`): new points and log lines, batched. */
export interface TrainEvent {
  started?: { backend: BackendName; detail: string; totalSteps: number; parameters: number }
  steps: StepMetrics[]
  epochs: EpochMetrics[]
  validations: ValidationPoint[]
  /** A new best validation loss, whose weights are now the best checkpoint. */
  best?: ValidationPoint
  log: string[]
  progress?: { step: number; epoch: number; totalSteps: number }
}
