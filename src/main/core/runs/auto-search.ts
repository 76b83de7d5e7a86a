/**
 * Auto searches in main: successive halving over candidate configs (`shared/training/auto.ts`), each
 * trial an ordinary run of the search's group whose test is deferred, so that only the winner is tested
 * on the test split, once. A trial that cannot end before the deadline is cancelled as soon as its own
 * progress says so; the search keeps the best trial so far when it is cancelled or runs out of time.
 */
import { randomUUID } from 'node:crypto'
import { ApiError } from '../../../shared/errors'
import {
  autoCandidates,
  choiceNote,
  chooseTrial,
  expectedTrialMs,
  fitsBudget,
  promoted,
  rankTrials,
  refitAddsEnough,
  rungCount,
  rungEpochs,
  type AutoCandidate,
  type AutoRequest,
  type AutoSearch,
  type AutoTrial,
} from '../../../shared/training/auto'
import type { TrainConfig } from '../../../shared/training/config'
import type { RunRecord, RunUpdate } from '../../../shared/training/results'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { statsOf } from '../../../shared/training/size-rules'
import type { DatasetService } from '../datasets/service'
import type { RunService } from './service'

const ended = new Set(['succeeded', 'failed', 'cancelled', 'interrupted'])

/**
 * Whether a run's own model is already fit on train + validation (NBSVM's `nbsvmRefit`, a bag's
 * `bagRefit`): refitting such a winner would spend the budget on the same model.
 */
export function refitsItself(config: TrainConfig): boolean {
  const spec = modelKindSpec(config.model)
  return spec.training === 'fit' ? config.nbsvmRefit : spec.input === 'bag' && config.bagRefit
}
/** A trial's projected end is trusted once it has trained this long. */
const projectAfterMs = 5_000

/** A candidate with its full epochs on the dataset, and whether it is fitted rather than trained by steps. */
interface Entry {
  candidate: AutoCandidate
  full: number
  fitted: boolean
}

interface Live {
  search: AutoSearch
  request: AutoRequest
  cancelled: boolean
  /** The run training now, if any. */
  current: string | null
  done: Promise<AutoSearch>
}

export class AutoSearches {
  private readonly live = new Map<string, Live>()

  constructor(
    private readonly runs: RunService,
    private readonly datasets: DatasetService,
    /** Subscribes to every run update; returns an unsubscribe function. */
    private readonly watch: (listener: (update: RunUpdate) => void) => () => void,
    private readonly emit: (search: AutoSearch) => void,
  ) {}

  /** Starts a search and answers at once; `auto.updated` follows it. */
  start(request: AutoRequest): AutoSearch {
    const dataset = this.datasets.get(request.datasetId)
    if (dataset.counts.val === 0)
      throw new ApiError(
        'invalid_payload',
        `Auto chooses by the validation split, and "${dataset.name}" has none: import it again with a validation share.`,
        'datasetId',
      )
    const now = Date.now()
    const search: AutoSearch = {
      id: randomUUID(),
      name: request.name ?? `auto on ${dataset.name}`,
      datasetId: dataset.id,
      budgetMinutes: request.budgetMinutes,
      status: 'running',
      startedAt: new Date(now).toISOString(),
      deadline: new Date(now + request.budgetMinutes * 60_000).toISOString(),
      phase: 'Starting',
      trials: [],
      bestRunId: null,
      choice: null,
      testedRunId: null,
      refit: false,
      error: null,
    }
    const stats = statsOf(dataset)
    // Each candidate's full epochs are its config's on this dataset, size rules included.
    const candidates = (request.candidates ?? autoCandidates(dataset)).map((candidate) => {
      const { config } = this.runs.resolveConfig(candidate.preset, candidate.overrides, stats)
      return { candidate, full: config.epochs, fitted: modelKindSpec(config.model).training === 'fit' }
    })
    const live: Live = { search, request, cancelled: false, current: null, done: Promise.resolve(search) }
    live.done = this.search(live, candidates).catch((err: unknown) => {
      search.status = 'failed'
      search.error = err instanceof Error ? err.message : String(err)
      search.phase = `Failed: ${search.error}`
      this.emit(search)
      return search
    })
    this.live.set(search.id, live)
    this.emit(search)
    return search
  }

  get(id: string): AutoSearch {
    const live = this.live.get(id)
    if (!live) throw new ApiError('not_found', `No Auto search with id ${id} in this session.`, 'id')
    return live.search
  }

  list(): AutoSearch[] {
    return [...this.live.values()].map((l) => l.search)
  }

  /** The search when it has ended. */
  wait(id: string): Promise<AutoSearch> {
    this.get(id)
    return this.live.get(id)!.done
  }

  /** Stops the search: the trial training now is cancelled, the best trial so far stays the result. */
  cancel(id: string): AutoSearch {
    const live = this.live.get(id)
    if (!live) throw new ApiError('not_found', `No Auto search with id ${id} in this session.`, 'id')
    if (live.search.status !== 'running' && live.search.status !== 'testing') return live.search
    live.cancelled = true
    if (live.current) this.runs.cancel(live.current)
    return live.search
  }

  private async search(live: Live, candidates: Entry[]): Promise<AutoSearch> {
    const { search } = live
    const deadline = Date.parse(search.deadline)
    const budgetMs = search.budgetMinutes * 60_000
    /**
     * Training time per epoch of each candidate once measured (by label), else of the last measured
     * candidate of its preset (variants of one preset take about as long); and the last start-up seen.
     */
    const perEpochMs = new Map<string, number>()
    let overheadMs = 0
    /** Each candidate's last trial: a rung of no more epochs than it (3 full epochs: 1, 1, 3) keeps it. */
    const last = new Map<Entry, AutoTrial>()
    let pool = candidates
    for (let rung = 0; rung < rungCount && pool.length > 0; rung++) {
      const rungTrials: { entry: Entry; trial: AutoTrial }[] = []
      for (const entry of pool) {
        if (live.cancelled) break
        // A fitted model (NBSVM) takes no epochs: it trains once, whole, and its result stands.
        const epochs = entry.fitted ? entry.full : rungEpochs(entry.full, rung)
        // The same config, seed and epochs would train the same weights again.
        const kept = last.get(entry)
        if (kept && kept.epochs === epochs) {
          rungTrials.push({ entry, trial: kept })
          continue
        }
        const measured = perEpochMs.get(entry.candidate.label) ?? perEpochMs.get(`preset ${entry.candidate.preset}`)
        const expected = expectedTrialMs(measured, epochs, overheadMs, budgetMs)
        // The final test is one more job start-up and a pass over the test split, or the best
        // trial's refit (which ends in the test): a trial does not eat the refit's time.
        const reserveMs = Math.max(5_000, 1.5 * overheadMs, this.refitPlan(live)?.expectedMs ?? 0)
        if (!fitsBudget(expected, deadline - Date.now(), reserveMs)) continue
        search.phase = `Rung ${rung + 1} of ${rungCount}: ${entry.candidate.label}, ${epochs} epoch${epochs === 1 ? '' : 's'}`
        const trial = await this.trial(live, entry.candidate, rung, epochs, deadline - reserveMs)
        rungTrials.push({ entry, trial })
        last.set(entry, trial)
        const run = this.runs.get(trial.runId)
        if (run.status === 'succeeded' && run.durationMs !== null && trial.wallMs !== null) {
          perEpochMs.set(entry.candidate.label, run.durationMs / epochs)
          perEpochMs.set(`preset ${entry.candidate.preset}`, run.durationMs / epochs)
          // The last start-up seen: the session's first job starts cold, the next ones do not.
          overheadMs = trial.wallMs - run.durationMs
        }
      }
      if (live.cancelled) break
      const trained = rungTrials.filter((r) => !r.entry.fitted)
      const finished = rankTrials(trained.filter((r) => r.trial.status === 'succeeded').map((r) => r.trial))
      const keep = new Set(finished.slice(0, promoted(trained.length)).map((t) => t.runId))
      pool = trained.filter((r) => keep.has(r.trial.runId)).map((r) => r.entry)
    }
    return this.finish(live)
  }

  /** One trial: a run with its test deferred, followed to its end or cancelled when it cannot end in time. */
  private async trial(
    live: Live,
    candidate: AutoCandidate,
    rung: number,
    epochs: number,
    mustEndBy: number,
  ): Promise<AutoTrial> {
    const { search, request } = live
    const run = await this.runs.start(
      {
        datasetId: search.datasetId,
        preset: candidate.preset,
        // Early stopping within the longer rungs, as the size rules would have it; the weights kept
        // are those of the best validation accuracy, the figure trials are ranked by. A bag trial does
        // not refit itself: Auto refits only its winner.
        overrides: { patience: 3, keepBest: 'accuracy', ...candidate.overrides, epochs, bagRefit: false },
        backend: request.backend,
        name: `${search.name}: ${candidate.label}, ${epochs} epoch${epochs === 1 ? '' : 's'}`,
      },
      search.id,
      { deferTest: true },
    )
    // Timed from here: the first start also detects the backends (a minute under load), once a session.
    const started = Date.now()
    const trial: AutoTrial = {
      runId: run.id,
      label: candidate.label,
      model: run.config.model,
      rung,
      epochs,
      status: 'running',
      validationAccuracy: null,
      validationLoss: null,
      wallMs: null,
      config: run.config,
    }
    search.trials.push(trial)
    live.current = run.id
    this.emit(search)
    // Past the deadline nothing a trial learns can be used: the final test is due.
    const record = await this.followWithin(run, mustEndBy, Date.parse(search.deadline))
    live.current = null
    Object.assign(trial, {
      status: record.status,
      validationAccuracy: record.bestValidation?.accuracy ?? null,
      validationLoss: record.bestValidation?.loss ?? null,
      wallMs: Date.now() - started,
    })
    const valCount = this.datasets.get(search.datasetId).counts.val
    const chosen = chooseTrial(search.trials, valCount)
    search.bestRunId = chosen?.runId ?? null
    search.choice = chosen && choiceNote(search.trials, chosen, valCount)
    this.emit(search)
    return trial
  }

  /**
   * Follows a run to its end, cancelling it as soon as its own pace says it would end after `mustEndBy`,
   * or when it is still running at `stopAt` (a job that reports progress rarely, as NBSVM after each
   * of its SVMs, shows no pace until late).
   */
  private async followWithin(run: RunRecord, mustEndBy: number, stopAt: number): Promise<RunRecord> {
    let pace: { at: number; step: number } | null = null
    const overdue = setTimeout(() => this.runs.cancel(run.id), Math.max(0, stopAt - Date.now()))
    try {
      return await this.follow(run, (update) => {
        const p = update.progress
        if (!p) return
        const now = Date.now()
        // The pace counts from the first step seen, past the job's start-up.
        if (!pace) return void (pace = { at: now, step: p.step })
        if (now - pace.at < projectAfterMs || p.step <= pace.step) return
        const endsAt = now + ((now - pace.at) / (p.step - pace.step)) * (p.totalSteps - p.step)
        if (endsAt > mustEndBy) this.runs.cancel(run.id)
      })
    } finally {
      clearTimeout(overdue)
    }
  }

  /** The best trial's refit: its epochs and expected time; null when the search does not refit or has no best yet. */
  private refitPlan(live: Live): { winner: AutoTrial; run: RunRecord; epochs: number; expectedMs: number } | null {
    const { search, request } = live
    const winner = search.trials.find((t) => t.runId === search.bestRunId)
    const dataset = this.datasets.get(search.datasetId)
    if (!request.refit || !refitAddsEnough(dataset.counts) || !winner || winner.wallMs === null) return null
    const run = this.runs.get(winner.runId)
    if (refitsItself(run.config)) return null
    const fitted = modelKindSpec(run.config.model).training === 'fit'
    // More examples per epoch; a fitted kind also fits once more on train alone for its temperature.
    const grow = (dataset.counts.train + dataset.counts.val) / Math.max(1, dataset.counts.train)
    const epochs = fitted ? run.config.epochs : Math.max(1, run.bestValidation?.epoch ?? run.config.epochs)
    const expectedMs = winner.wallMs * grow * (fitted ? 2 : epochs / Math.max(1, winner.epochs))
    return { winner, run, epochs, expectedMs }
  }

  /**
   * The winner's settings trained again on train + validation (its test runs at its end), with the
   * epochs of its best validation, when its own time says it fits the budget; null when it does not,
   * or when the refit did not succeed (cancelled past the deadline or failed): the winner is tested then.
   */
  private async refit(live: Live): Promise<RunRecord | null> {
    const { search, request } = live
    const plan = this.refitPlan(live)
    if (!plan || !fitsBudget(plan.expectedMs, Date.parse(search.deadline) - Date.now(), 0)) return null
    const { winner, run, epochs, expectedMs: expected } = plan
    search.phase = `Refitting ${winner.label} on train + validation (${epochs} epoch${epochs === 1 ? '' : 's'}), then its test`
    this.emit(search)
    const started = await this.runs.start(
      {
        datasetId: search.datasetId,
        preset: run.preset ?? winner.label,
        // The winner's whole config: the size rules change nothing; no early stopping on data it trains on.
        overrides: { ...run.config, epochs, patience: 0 },
        backend: request.backend,
        name: `${search.name}: ${winner.label}, refit on train + validation`,
      },
      search.id,
      { refit: true },
    )
    live.current = started.id
    // A refit may run a little past the deadline (its expected time fitted); far past, the winner is tested instead.
    const lastEnd = Date.parse(search.deadline) + expected / 2
    const record = await this.followWithin(started, lastEnd, lastEnd)
    live.current = null
    return record.status === 'succeeded' && record.test ? record : null
  }

  /** The winner (or its refit) tested once on the test split, unless the search was cancelled. */
  private async finish(live: Live): Promise<AutoSearch> {
    const { search } = live
    if (live.cancelled) {
      search.status = 'cancelled'
      search.phase = search.bestRunId ? 'Cancelled: the best trial so far is kept, untested.' : 'Cancelled.'
      this.emit(search)
      return search
    }
    if (!search.bestRunId) {
      search.status = 'failed'
      search.error = 'No trial finished within the budget: give Auto more minutes.'
      search.phase = search.error
      this.emit(search)
      return search
    }
    search.status = 'testing'
    const refit = await this.refit(live)
    if (live.cancelled) {
      search.status = 'cancelled'
      search.phase = 'Cancelled during the refit: the best trial is kept, untested.'
      this.emit(search)
      return search
    }
    search.refit = refit !== null || refitsItself(this.runs.get(search.bestRunId).config)
    if (!refit) {
      const { counts } = this.datasets.get(search.datasetId)
      search.phase = `Testing the best trial on the test split${
        live.request.refit && !refitAddsEnough(counts)
          ? ` (no refit: validation adds ${((100 * counts.val) / Math.max(1, counts.train)).toFixed(1)}% to the training examples)`
          : ''
      }`
      this.emit(search)
    }
    const tested = refit ?? (await this.follow(await this.runs.testDeferred(search.bestRunId)))
    search.testedRunId = tested.id
    search.status = tested.status === 'succeeded' ? 'succeeded' : 'failed'
    search.error = tested.status === 'succeeded' ? null : (tested.error ?? `The test ${tested.status}.`)
    search.phase = tested.status === 'succeeded' ? 'Done' : `Failed: ${search.error}`
    this.emit(search)
    return search
  }

  /** Resolves with the run's record once it has ended, passing every update on the way. */
  private follow(run: RunRecord, onUpdate?: (update: RunUpdate) => void): Promise<RunRecord> {
    return new Promise((resolve) => {
      const done = () => {
        unsubscribe()
        resolve(this.runs.get(run.id))
      }
      const unsubscribe = this.watch((update) => {
        if (update.runId !== run.id) return
        if (ended.has(update.status)) done()
        else onUpdate?.(update)
      })
      // It may have ended (failed to start) before the subscription.
      if (ended.has(this.runs.get(run.id).status)) done()
    })
  }
}
