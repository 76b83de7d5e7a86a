/**
 * Sends a score job's rows to main as they are scored, coalescing while main is busy: when an event
 * is still on its way (`emit` resolves once main has written it to SQLite and acknowledged it), the
 * next batches' rows join one pending event instead of waiting, up to `maxRows`. Main then writes
 * fewer, larger transactions: 256 rows cost about twice as much per row as 1,024 (each transaction
 * rewrites the index pages its random scores touch). Memory stays bounded: past `maxRows` pending,
 * `add` waits for the event in flight.
 */
import type { ScoreEvent, ScoredRows } from '../../../shared/scoring'

export class RowSender {
  private pending: ScoreEvent = { rows: [], skipped: [] }
  private sending: Promise<void> = Promise.resolve()
  private busy = false
  private pendingRows = 0

  constructor(
    private readonly emit: (event: ScoreEvent) => Promise<void>,
    private readonly maxRows: number,
  ) {}

  /** Queues a batch's rows and skipped inputs (in order), sending them now unless an event is in flight. */
  async add(rows: ScoredRows, skipped: ScoreEvent['skipped']): Promise<void> {
    if (rows.sources.length > 0) {
      this.pending.rows.push(rows)
      this.pendingRows += rows.sources.length
    }
    for (const s of skipped) this.pending.skipped.push(s)
    if (this.busy && this.size() < this.maxRows) return
    await this.sending
    this.send()
  }

  /** Sends what is pending and waits until every event is written; an `emit` that failed throws here. */
  async flush(): Promise<void> {
    await this.sending
    if (this.size() > 0) {
      this.send()
      await this.sending
    }
  }

  private size(): number {
    return this.pendingRows + this.pending.skipped.length
  }

  private send(): void {
    const event = this.pending
    this.pending = { rows: [], skipped: [] }
    this.pendingRows = 0
    this.busy = true
    this.sending = this.emit(event)
    // Handled here (its failure is thrown by the next add or flush that waits for it).
    this.sending.then(
      () => (this.busy = false),
      () => (this.busy = false),
    )
  }
}
