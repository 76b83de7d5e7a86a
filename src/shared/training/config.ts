/**
 * The run configuration: one flat, validated object, so `--set epochs=3` and the form's fields
 * address it the same way, and its defaults. No Node, no DOM.
 */
import { z } from 'zod'
import { modelKinds } from './model-kinds'

export const optimizerNames = ['sgd', 'momentum', 'adam', 'rmsprop'] as const
export const scheduleNames = ['constant', 'step', 'warmup-cosine', 'linear'] as const
/** How a recurrent encoder's sequence becomes one vector: MindSpore concatenates the first and last steps. */
export const readouts = ['last', 'first-last', 'max', 'mean'] as const

export const trainConfigSchema = z
  .object({
    // model
    model: z.enum(modelKinds),
    embeddingDim: z.number().int().min(2).max(1024),
    hiddenUnits: z.number().int().min(1).max(4096),
    layers: z.number().int().min(1).max(4),
    readout: z.enum(readouts),
    filterSizes: z.array(z.number().int().min(1).max(20)).min(1).max(6),
    filters: z.number().int().min(1).max(1024),
    denseUnits: z.number().int().min(1).max(8192),
    ngrams: z.number().int().min(1).max(3),
    hashBuckets: z.number().int().min(1000).max(10_000_000),
    /** NBSVM: the SVM's cost C, and beta, the weight of the SVM against the naive-Bayes mean weight. */
    svmC: z.number().positive().max(1000),
    nbInterpolation: z.number().min(0).max(1),
    /** NBSVM: choose C and beta on the validation split (`nbsvmChoices`) instead of taking the two above. */
    nbsvmTune: z.boolean().default(false),
    /**
     * NBSVM: after its choices (and temperature) on a fit to the training split, fit once more on the
     * training and validation splits together and test that; the validation figures stay the first fit's.
     */
    nbsvmRefit: z.boolean().default(true),
    /** auto: one logit with sigmoid for two classes, softmax otherwise. */
    output: z.enum(['auto', 'sigmoid', 'softmax']),
    // embeddings
    /** A registered word-vector file's id; null = random initialisation. */
    vectors: z.string().min(1).nullable(),
    trainEmbeddings: z.boolean(),
    // optimizer
    optimizer: z.enum(optimizerNames),
    learningRate: z.number().positive().max(10),
    momentum: z.number().min(0).max(0.999),
    // schedule
    schedule: z.enum(scheduleNames),
    /** step: multiply the rate by decayRate every decaySteps steps. */
    decaySteps: z.number().int().min(1),
    decayRate: z.number().positive().max(1),
    /** warmup-cosine: linear warm-up over warmupSteps, then cosine decay to minLearningRate. */
    warmupSteps: z.number().int().min(0),
    minLearningRate: z.number().min(0),
    // regularisation
    dropout: z.number().min(0).max(0.95),
    /** Clip gradients by global norm; 0 = off. */
    clipNorm: z.number().min(0),
    // training
    epochs: z.number().int().min(1).max(1000),
    batchSize: z.number().int().min(1).max(4096),
    maxLen: z.number().int().min(1).max(5000),
    padding: z.enum(['pre', 'post']),
    truncating: z.enum(['pre', 'post']),
    /**
     * Recurrent kinds and the CNN: batches of reviews of similar length, each padded to its longest
     * only (on the padding side). A default, not a requirement: configs saved before it existed still
     * parse.
     */
    lengthBuckets: z.boolean().default(true),
    /**
     * Bags of n-grams: train in plain JavaScript (`engine/bag-trainer.ts`), the same math without
     * tensors; off trains through tfjs, for comparison. A default, like lengthBuckets.
     */
    bagTrainer: z.boolean().default(true),
    /**
     * Bags of n-grams: `batch` updates once per batch with the run's optimizer; `example` makes every
     * example its own plain SGD step, as fastText does (the batch then only paces progress and
     * validation). A default, like lengthBuckets.
     */
    bagUpdate: z.enum(['batch', 'example']).default('batch'),
    /**
     * Bags of n-grams: once the validation split has chosen the epochs, train again from the seed on
     * the training and validation splits together for that many epochs, and test that (`bag-refit.ts`).
     */
    bagRefit: z.boolean().default(true),
    /**
     * Bags: every text ends in an end-of-text word, as fastText's `</s>` (`shared/ngrams.ts`). Off by
     * default, so configs and bundles from before it keep their features; the bag presets turn it on.
     */
    endOfText: z.boolean().default(false),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    // evaluation
    /** Validate every N steps; 0 = at the end of every epoch. */
    validateEvery: z.number().int().min(0),
    /** Stop after this many validations without a better kept figure (`keepBest`); 0 = never. */
    patience: z.number().int().min(0),
    /**
     * Which validation figure picks the weights kept (and tested) and drives early stopping: the loss,
     * or the accuracy (ties by the loss). A bag trained with Adam grows overconfident: its validation
     * loss rises epochs before its accuracy stops rising.
     */
    keepBest: z.enum(['loss', 'accuracy']).default('loss'),
    /** Fit epochs, batch, learning rate, buckets and length to the dataset (`size-rules.ts`); off keeps the preset's own. */
    sizeRules: z.boolean(),
  })
  .strict()
  .superRefine((c, ctx) => {
    // fastText's per-example step is plain SGD on the table and the logits: nothing to clip or drop.
    if (c.model !== 'ngram-bag' || c.bagUpdate !== 'example') return
    const needs: [ConfigField, boolean, string][] = [
      ['optimizer', c.optimizer === 'sgd', 'sgd'],
      ['dropout', c.dropout === 0, '0'],
      ['clipNorm', c.clipNorm === 0, '0'],
      ['bagTrainer', c.bagTrainer, 'on'],
    ]
    for (const [field, ok, wanted] of needs)
      if (!ok)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `per-example updates (bagUpdate example, fastText's) train with plain SGD, no dropout or clipping, in the JavaScript bag trainer: set ${field} to ${wanted}, or bagUpdate to batch.`,
        })
  })
export type TrainConfig = z.output<typeof trainConfigSchema>
export type ConfigField = keyof TrainConfig

export const defaultConfig: TrainConfig = {
  model: 'lstm',
  embeddingDim: 100,
  hiddenUnits: 128,
  layers: 1,
  readout: 'last',
  filterSizes: [3, 4, 5],
  filters: 100,
  denseUnits: 256,
  ngrams: 2,
  hashBuckets: 200_000,
  svmC: 1,
  nbInterpolation: 0.25,
  nbsvmTune: false,
  nbsvmRefit: true,
  output: 'auto',
  vectors: null,
  trainEmbeddings: true,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0.9,
  schedule: 'constant',
  decaySteps: 1000,
  decayRate: 0.5,
  warmupSteps: 0,
  minLearningRate: 0,
  dropout: 0.2,
  clipNorm: 0,
  epochs: 3,
  batchSize: 64,
  maxLen: 400,
  padding: 'pre',
  truncating: 'pre',
  lengthBuckets: true,
  bagTrainer: true,
  bagUpdate: 'batch',
  bagRefit: true,
  endOfText: false,
  seed: 42,
  validateEvery: 0,
  patience: 0,
  keepBest: 'loss',
  sizeRules: true,
}
