/**
 * What a training job streams to main while it runs: new points and log lines, batched so that main
 * writes them to SQLite a few times a second (a crash loses at most the last batch).
 */
import type { TrainEvent } from '../../../shared/training/job'

/** Collects points and sends them at most every `intervalMs` (or at once with `flush`). */
export class EventBatcher {
  private pending: TrainEvent = EventBatcher.empty()
  private last = 0

  constructor(
    private readonly send: (event: TrainEvent) => void,
    private readonly intervalMs = 250,
  ) {}

  private static empty(): TrainEvent {
    return { steps: [], epochs: [], validations: [], log: [] }
  }

  add(part: Partial<TrainEvent>): void {
    const p = this.pending
    if (part.started) p.started = part.started
    if (part.best) p.best = part.best
    if (part.progress) p.progress = part.progress
    p.steps.push(...(part.steps ?? []))
    p.epochs.push(...(part.epochs ?? []))
    p.validations.push(...(part.validations ?? []))
    p.log.push(...(part.log ?? []))
    if (Date.now() - this.last >= this.intervalMs) this.flush()
  }

  flush(): void {
    const p = this.pending
    if (
      !p.started &&
      !p.best &&
      !p.progress &&
      !p.steps.length &&
      !p.epochs.length &&
      !p.validations.length &&
      !p.log.length
    )
      return
    this.pending = EventBatcher.empty()
    this.last = Date.now()
    this.send(p)
  }
}
