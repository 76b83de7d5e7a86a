/**
 * The Auto preset: a search over model kinds and their settings within a time budget, by successive
 * halving on the validation split. Every trial is an ordinary run of one group; the plan here is pure
 * (no Node, no tfjs), so the form, main and the tests share it.
 *
 * Rungs: every candidate first trains for a ninth of its full epochs, the best third of them for a
 * third, and the best of those for all of them (η = 3). Each rung's trial is a fresh run, so every
 * trial is complete and comparable on its own (its schedule fits its epochs).
 *
 * The winner is then refit on the training and validation splits together, with its own settings and
 * the epochs of its best validation, when that fits the budget (the usual last step on small data: the
 * validation split has chosen, and its examples then train), and that refit is what the test measures.
 * Not when validation adds under `minRefitShare` to the training examples (a treebank's sentences
 * beside its phrases): a second training from a new start would gain next to nothing, and its reserve
 * would keep trials from running.
 */
import { z } from 'zod'
import { backendNames } from '../types'
import type { TrainConfig } from './config'

export const autoPresetName = 'auto'
export const defaultBudgetMinutes = 5
/** The refit's extra examples, as a share of the training split's, below which Auto does not refit. */
export const minRefitShare = 0.05

/** Whether refitting on train + validation adds enough examples to be worth a second training. */
export const refitAddsEnough = (counts: { train: number; val: number }): boolean =>
  counts.val >= minRefitShare * counts.train

/** Each rung keeps the best 1/η of its trials and trains them η times as long. */
export const eta = 3
export const rungCount = 3

export const autoCandidateSchema = z
  .object({
    label: z.string().min(1).max(100),
    preset: z.string().min(1).max(100),
    /** Settings over the preset's, as the form's overrides; the size rules fit the rest to the dataset. */
    overrides: z.record(z.string(), z.unknown()),
  })
  .strict()
export type AutoCandidate = z.output<typeof autoCandidateSchema>

export const autoRequestSchema = z
  .object({
    datasetId: z.string().min(1).max(200),
    budgetMinutes: z
      .number()
      .min(0.25)
      .max(24 * 60)
      .default(defaultBudgetMinutes),
    backend: z.enum(['auto', ...backendNames]).default('auto'),
    name: z.string().trim().min(1).max(200).optional(),
    /** Refit the winner on train + validation before its test (when it fits the budget). */
    refit: z.boolean().default(true),
    /** The search space; the default adapts to the dataset (`autoCandidates`). */
    candidates: z.array(autoCandidateSchema).min(1).max(50).optional(),
  })
  .strict()
export type AutoRequest = z.output<typeof autoRequestSchema>

export type TrialStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'queued'

export interface AutoTrial {
  runId: string
  label: string
  model: TrainConfig['model']
  rung: number
  epochs: number
  status: TrialStatus
  /** The best weights' validation figures (the checkpoint a trial keeps), once validated. */
  validationAccuracy: number | null
  validationLoss: number | null
  /** Wall time from start to end, with the job's start-up. */
  wallMs: number | null
  config: Partial<TrainConfig>
}

export interface AutoSearch {
  /** The search's id is its runs' group. */
  id: string
  name: string
  datasetId: string
  budgetMinutes: number
  status: 'running' | 'testing' | 'succeeded' | 'cancelled' | 'failed'
  startedAt: string
  deadline: string
  /** What the search is doing now, in words. */
  phase: string
  trials: AutoTrial[]
  /** The trial kept so far (`chooseTrial`: the earliest candidate within one standard error of the best validation accuracy). */
  bestRunId: string | null
  /** Why the kept trial is not the most accurate one, when it is not (`choiceNote`). */
  choice: string | null
  /** The run tested on the test split: the winner refit on train + validation, or the winner itself. */
  testedRunId: string | null
  /** Whether the tested run is a refit on train + validation (its validation figures are then on examples it trained on). */
  refit: boolean
  error: string | null
}

/**
 * The default search space, cheapest and strongest first so a short budget still tries them: NBSVM
 * with its C and beta (MNB included) chosen on validation, the bags of words and of bigrams
 * (fastText's own space: Adam is the app's fast, high-rate optimizer, the epochs are chosen on
 * validation as fastText's autotune does), NBSVM on trigrams, a wider bag, the trigram bag, Kim's
 * CNN and a GRU. Each names only what makes it that model; its batch, epochs, length and
 * buckets come from the size rules on the dataset (`size-rules.ts`), as for any run. Every trained
 * trial keeps the weights of its best validation accuracy (`keepBest`), the figure Auto ranks by.
 *
 * A dataset trained on labelled phrases (a treebank's) puts the CNN first: phrase labels teach how
 * words compose (a negation, a contrast), which a model of word order learns from and a bag cannot
 * (measured on SST-5: NBSVM 40.5% with its phrases and 40.6% without, the bags 10 points worse with
 * them; Kim's CNN 46% after one epoch of phrases), and such a training split is many times its
 * sentences, so the bags and NBSVM are no longer cheap (NBSVM: 12 minutes on SST-5's).
 */
export function autoCandidates(dataset: { phrases?: number } = {}): AutoCandidate[] {
  const cnn: AutoCandidate = { label: 'Kim CNN', preset: 'kim-cnn', overrides: { embeddingDim: 100 } }
  const space: AutoCandidate[] = [
    // C and beta chosen on validation within the one fit (beta 0 is multinomial naive Bayes on binary
    // features, MNB, Wang & Manning's other strong baseline on short texts).
    { label: 'NBSVM', preset: 'nbsvm', overrides: { nbsvmTune: true } },
    { label: 'bag of words', preset: 'fasttext-bigram', overrides: { ngrams: 1 } },
    { label: 'bigram bag', preset: 'fasttext-bigram', overrides: {} },
    { label: 'NBSVM, trigrams', preset: 'nbsvm', overrides: { ngrams: 3, nbsvmTune: true } },
    { label: 'bigram bag, 100d', preset: 'fasttext-bigram', overrides: { embeddingDim: 100, learningRate: 0.003 } },
    // Trigrams named: on a small dataset the size rules would give `recommended` bigrams alone.
    { label: 'trigram bag', preset: 'recommended', overrides: { ngrams: 3 } },
    cnn,
    {
      label: 'GRU',
      preset: 'kim-cnn',
      overrides: { model: 'gru', hiddenUnits: 64, readout: 'max', embeddingDim: 64, learningRate: 0.002 },
    },
  ]
  return dataset.phrases ? [cnn, ...space.filter((c) => c !== cnn)] : space
}

/** A rung's share of the full epochs: 1/9, 1/3, 1 (at least one epoch). */
export function rungEpochs(fullEpochs: number, rung: number): number {
  return Math.max(1, Math.round(fullEpochs / eta ** (rungCount - 1 - rung)))
}

/** How many of a rung's `n` trials go on to the next. */
export const promoted = (n: number) => Math.max(1, Math.ceil(n / eta))

/** Higher validation accuracy first; a lower validation loss breaks ties. Unvalidated trials last. */
export function rankTrials<T extends Pick<AutoTrial, 'validationAccuracy' | 'validationLoss'>>(trials: T[]): T[] {
  const acc = (t: T) => t.validationAccuracy ?? -1
  return [...trials].sort((a, b) => acc(b) - acc(a) || (a.validationLoss ?? Infinity) - (b.validationLoss ?? Infinity))
}

/** The standard error of an accuracy p measured on n examples. */
const standardError = (p: number, n: number) => Math.sqrt((p * (1 - p)) / Math.max(1, n))

/**
 * The trial Auto keeps: the earliest candidate in the search's order (cheapest and strongest first)
 * whose validation accuracy is within one standard error of the most accurate trial's, the
 * one-standard-error rule of model selection (Breiman et al. 1984). The standard error is the best
 * accuracy's on `valCount` examples, sqrt(p(1 - p) / n): on 960 validation sentences about 1.3 points.
 * Taking the plain maximum of eight such figures favours whichever candidate drew a lucky split (on
 * rt-polarity NBSVM on trigrams won by two sentences and tested a point below NBSVM); a candidate
 * later in the order now has to beat the earlier ones by more than the noise. Within the chosen
 * candidate, its best-ranked trial (rung). Trials come in the order they started, so a candidate's
 * place is that of its first trial.
 */
export function chooseTrial<T extends Pick<AutoTrial, 'label' | 'status' | 'validationAccuracy' | 'validationLoss'>>(
  trials: T[],
  valCount: number,
): T | null {
  const ranked = rankTrials(trials.filter((t) => t.status === 'succeeded' && t.validationAccuracy !== null))
  const best = ranked[0]
  if (!best) return null
  const within = best.validationAccuracy! - standardError(best.validationAccuracy!, valCount) - 1e-12
  const place = (t: T) => trials.findIndex((u) => u.label === t.label)
  // Ranked order breaks ties of place, so a candidate's best rung comes first.
  return ranked.filter((t) => t.validationAccuracy! >= within).reduce((a, t) => (place(t) < place(a) ? t : a))
}

/** Why `chosen` is kept over a more accurate trial, in words; null when it is the most accurate. */
export function choiceNote(
  trials: Pick<AutoTrial, 'label' | 'status' | 'validationAccuracy' | 'validationLoss'>[],
  chosen: Pick<AutoTrial, 'label' | 'validationAccuracy'>,
  valCount: number,
): string | null {
  const best = rankTrials(trials.filter((t) => t.status === 'succeeded' && t.validationAccuracy !== null))[0]
  if (!best || best.validationAccuracy === chosen.validationAccuracy) return null
  const se = 100 * standardError(best.validationAccuracy!, valCount)
  const pct = (a: number | null) => `${((a ?? 0) * 100).toFixed(2)}%`
  return `${chosen.label} (${pct(chosen.validationAccuracy)}) is kept over ${best.label} (${pct(best.validationAccuracy)}): within one standard error of it (±${se.toFixed(2)} points on ${valCount.toLocaleString('en')} validation examples), and earlier in the search's order, which puts the cheaper and more often stronger models first.`
}

/** Whether a trial expected to take `expectedMs` ends before the deadline, leaving `reserveMs` for the final test. */
export function fitsBudget(expectedMs: number, remainingMs: number, reserveMs: number): boolean {
  return expectedMs <= remainingMs - reserveMs
}

/**
 * What a trial is expected to take: its measured time per epoch, or, before it has trained at all,
 * an eighth of the budget or twice the start-up seen (its own pace then stops it if it overruns).
 */
export function expectedTrialMs(
  perEpochMs: number | undefined,
  epochs: number,
  overheadMs: number,
  budgetMs: number,
): number {
  return perEpochMs === undefined ? Math.max(budgetMs / 8, 2 * overheadMs) : overheadMs + perEpochMs * epochs
}
