/**
 * The training queue: runs recorded as `queued` with no job wait here and start N at a time (1 by
 * default, the right number for the wasm and CPU backends, which use every core). The queue is the
 * runs table itself, so queued runs survive a restart and stay queued; `claim` makes starting one
 * atomic across processes (the app and the CLI share the database).
 */
import { ApiError } from '../../../shared/errors'
import type { QueueEntry } from '../../../shared/runs'
import type { BackendName } from '../../../shared/types'
import type { RunsRepo } from '../db/runs-repo'

export class RunQueue {
  private pumping = false

  constructor(
    private readonly repo: RunsRepo,
    /** Starts a claimed run's job. */
    private readonly start: (id: string, backend: BackendName | null) => Promise<void>,
    public concurrency = 1,
  ) {}

  list(): QueueEntry[] {
    const typical = this.repo.typicalDurationMs()
    const now = Date.now()
    return this.repo.queued().map((r, i) => ({
      runId: r.id,
      name: r.name,
      position: i + 1,
      // Runs ahead finish a slot at a time; the first of each round of N starts when a slot frees.
      estimatedStart:
        typical === null ? null : new Date(now + Math.floor(i / this.concurrency) * typical).toISOString(),
    }))
  }

  /** Moves a queued run to `position` (1 = next). */
  move(id: string, position: number): QueueEntry[] {
    const ids = this.repo.queued().map((r) => r.id)
    const at = ids.indexOf(id)
    if (at < 0) throw new ApiError('not_found', `Run ${id} is not waiting in the queue.`, 'id')
    ids.splice(at, 1)
    ids.splice(Math.max(0, Math.min(ids.length, position - 1)), 0, id)
    this.repo.reorderQueue(ids)
    return this.list()
  }

  setConcurrency(n: number): void {
    this.concurrency = n
    void this.pump()
  }

  /** Starts queued runs while fewer than `concurrency` run. */
  async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      for (;;) {
        if (this.repo.runningCount() >= this.concurrency) return
        const next = this.repo.queued()[0]
        if (!next) return
        if (this.repo.claim(next.id)) await this.start(next.id, next.backend)
      }
    } finally {
      this.pumping = false
    }
  }
}
