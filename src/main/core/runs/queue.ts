/**
 * The training queue: runs recorded as `queued` with no job wait here and start N at a time (1 by
 * default, the right number for the wasm and CPU backends, which use every core; the number is a
 * setting kept in the database). The queue is the runs table itself, so queued runs survive a
 * restart and stay queued; `claim` makes starting one atomic across processes (the app and the CLI
 * share the database).
 *
 * Each queued run records the process that queued it. A live process's runs are its own to start
 * (the CLI follows the runs it queued); runs whose process is gone are adopted by a process that
 * `adopts` (the app and serve mode), never by the CLI, which would take them down when it exits.
 * The head of the queue waits for its owner, so the order and the N hold across processes.
 */
import { z } from 'zod'
import { ApiError } from '../../../shared/errors'
import type { QueueEntry } from '../../../shared/runs'
import type { BackendName } from '../../../shared/types'
import type { RunsRepo } from '../db/runs-repo'
import type { SettingsRepo } from '../db/settings-repo'

const concurrencyKey = 'queue.concurrency'
const concurrencySchema = z.number().int().min(1).max(16)

export interface QueueOptions {
  /** Start runs whose queuing process is gone (the app, serve mode). */
  adopt: boolean
  isAlive: (pid: number) => boolean
}

export class RunQueue {
  /** The pass not begun yet, and the latest pass (the next begins after it). */
  private scheduled: Promise<void> | null = null
  private previous: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  /** Closing: runs that end now (cancelled by the shutdown) must not start others. */
  private stopped = false

  constructor(
    private readonly repo: RunsRepo,
    private readonly settings: SettingsRepo,
    /** Starts a claimed run's job. */
    private readonly start: (id: string, backend: BackendName | null) => Promise<void>,
    private readonly options: QueueOptions,
  ) {}

  /** How many runs train at once, across every process on this data directory. */
  get concurrency(): number {
    return this.settings.get(concurrencyKey, concurrencySchema) ?? 1
  }

  setConcurrency(n: number): void {
    this.settings.set(concurrencyKey, concurrencySchema.parse(n))
    void this.pump()
  }

  list(): QueueEntry[] {
    const typical = this.repo.typicalDurationMs()
    const now = Date.now()
    const slots = this.concurrency
    return this.repo.queued().map((r, i) => ({
      runId: r.id,
      name: r.name,
      position: i + 1,
      // Runs ahead finish a slot at a time; the first of each round of N starts when a slot frees.
      estimatedStart: typical === null ? null : new Date(now + Math.floor(i / slots) * typical).toISOString(),
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

  /**
   * Starts queued runs while fewer than `concurrency` run. Passes run one at a time: requests made
   * before a pass begins share it, and one made during a pass gets another pass after it. Never
   * rejects: callers fire and forget it, and a busy database is tried again a second later.
   */
  pump(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    if (!this.scheduled) {
      this.scheduled = this.previous.then(() => {
        this.scheduled = null
        return this.drain().catch(() => {})
      })
      this.previous = this.scheduled
    }
    return this.scheduled
  }

  private async drain(): Promise<void> {
    this.repo.releaseDeadClaims(this.options.isAlive)
    while (!this.stopped && this.repo.runningCount() < this.concurrency) {
      const next = this.next()
      if (!next) break
      if (this.repo.claim(next.id)) await this.start(next.id, next.backend)
    }
  }

  /** Pumps every `ms`, for slots that runs of other processes free (unref'd: it keeps no process alive). */
  watch(ms = 1000): void {
    this.timer ??= setInterval(() => void this.pump(), ms).unref()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** The first queued run this process may start, or null when the head waits for another live process. */
  private next(): { id: string; backend: BackendName | null } | null {
    for (const run of this.repo.queued()) {
      if (run.owner === process.pid) return run
      const ownerAlive = run.owner !== null && this.options.isAlive(run.owner)
      if (ownerAlive) return null
      if (this.options.adopt) return run
    }
    return null
  }
}
