/**
 * Runs jobs in their own processes, records them in the `jobs` table and tells subscribers.
 * Progress is persisted and forwarded at most every `throttleMs` per job so a fast job cannot
 * flood the UI; status changes always go out at once. Whatever a job does (throw, exit, be killed),
 * it ends as a finished record and the app keeps running.
 */
import { randomUUID } from 'node:crypto'
import type {
  Catalog,
  jobCatalog,
  KindEvent,
  KindOutput,
  KindParams,
  KindRecord,
  KindReply,
  KindRequest,
  KindResult,
} from '../../../shared/job-catalog'
import type { JobProgress, JobRecord, JobStatus } from '../../../shared/types'
import { ApiError } from '../../../shared/errors'
import { isProcessAlive, type JobsRepo } from '../db/jobs-repo'
import type { Confinement } from '../security/path-policy'
import { describeSystemError } from '../system-errors'
import type { JobLauncher, JobProcess } from './launcher'
import type { FromWorker } from './protocol'

export interface JobManagerOptions {
  /** How long a job may take to stop after a cancel request before it is killed. */
  graceMs?: number
  /** Minimum time between two persisted progress updates of one job. */
  throttleMs?: number
  /** Called with every record change that should reach subscribers. */
  onUpdate?: (job: JobRecord) => void
  /** Called with each line a job logs (its own log messages and its stderr). */
  onLog?: (jobId: string, level: 'info' | 'warn' | 'error', message: string) => void
  /**
   * How often to look in the database for cancel requests from other processes (for this manager's
   * jobs) and for jobs whose owner process died (0: never; a read-only history).
   */
  pollMs?: number
  /** Whether a process is alive (tests stand in for it). */
  isAlive?: (pid: number) => boolean
  /** The database file, named when its writes fail (SQLite's errors carry no path). */
  dbPath?: string
  /** Serve mode's limits, which job processes apply to the links they follow and the URLs they fetch. */
  confinement?: Confinement | null
}

/**
 * What main does when a job of a kind ends: `finalize` turns the job process's output into records
 * and the record's result (it runs before the job is marked succeeded, and if it throws the job fails
 * with its message); `cleanup` removes what a job that did not succeed left behind.
 */
export interface JobKindHooks<C extends Catalog, K extends keyof C & string> {
  /** Data the job sent with `ctx.emit`, in order, as it arrives. */
  event?: (jobId: string, data: KindEvent<C, K>) => void
  /** The job's final record, after finalize or cleanup. */
  settled?: (job: KindRecord<C, K>) => void
  finalize?: (job: KindRecord<C, K>, output: KindOutput<C, K>) => KindResult<C, K> | Promise<KindResult<C, K>>
  cleanup?: (job: KindRecord<C, K>) => void | Promise<void>
}

type HooksByKind<C extends Catalog> = { [K in keyof C & string]?: JobKindHooks<C, K> }

interface Live<K extends string> {
  kind: K
  proc: JobProcess
  startedAt: number
  outcome: { status: JobStatus; result?: unknown; error?: string } | null
  cancelRequested: boolean
  killedAfterGrace: boolean
  /** Why main could not record the job's work (a full disk): the job is stopped and ends failed with it. */
  storageFailure: string | null
  pending: JobProgress | null
  lastFlush: number
  flushTimer: NodeJS.Timeout | null
  graceTimer: NodeJS.Timeout | null
  stderrTail: string
  done: Promise<JobRecord>
  /** Requests sent with `ask`, waiting for their reply. */
  asked: Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>
}

/** The job asked no longer answers requests: it has ended, or is ending. */
export class JobEnded extends Error {
  constructor(id: string) {
    super(`Job ${id} has ended; it answers no more requests.`)
    this.name = 'JobEnded'
  }
}

/** Jobs of one catalog's kinds (the app's, unless a test brings its own). */
export class JobManager<C extends Catalog = typeof jobCatalog> {
  private readonly live = new Map<string, Live<keyof C & string>>()
  private readonly hooks: HooksByKind<C> = {}
  private readonly graceMs: number
  private readonly throttleMs: number
  private readonly isAlive: (pid: number) => boolean
  private readonly poller: NodeJS.Timeout | null
  private nextRequest = 1

  constructor(
    private readonly repo: JobsRepo,
    private readonly launcher: JobLauncher,
    private readonly options: JobManagerOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 5000
    this.throttleMs = options.throttleMs ?? 250
    this.isAlive = options.isAlive ?? isProcessAlive
    const pollMs = options.pollMs ?? 1000
    // unref: the poll never keeps a finished CLI command alive.
    this.poller = pollMs > 0 ? setInterval(() => this.poll(), pollMs).unref() : null
  }

  register<K extends keyof C & string>(kind: K, hooks: JobKindHooks<C, K>): void {
    this.hooks[kind] = hooks
  }

  /** Starts a job process and returns its record at once; `wait` gives the finished record. */
  start<K extends keyof C & string>(kind: K, params: KindParams<C, K>): KindRecord<C, K> {
    const id = randomUUID()
    this.repo.insert(id, kind, params, process.pid)
    let proc: JobProcess
    try {
      proc = this.launcher.launch()
    } catch (err) {
      this.repo.finish(id, 'failed', { error: `Could not start a job process: ${(err as Error).message}` })
      const failed = this.repo.get(id)!
      this.emit(failed)
      return this.typed(failed, kind)
    }
    let resolveDone!: (job: JobRecord) => void
    const done = new Promise<JobRecord>((resolve) => (resolveDone = resolve))
    const live: Live<K> = {
      kind,
      proc,
      startedAt: Date.now(),
      outcome: null,
      cancelRequested: false,
      killedAfterGrace: false,
      storageFailure: null,
      pending: null,
      lastFlush: 0,
      flushTimer: null,
      graceTimer: null,
      stderrTail: '',
      done,
      asked: new Map(),
    }
    this.live.set(id, live)
    proc.onMessage((message) => this.onMessage(id, live, message))
    proc.onStderr((text) => {
      live.stderrTail = (live.stderrTail + text).slice(-2000)
      for (const line of text.split('\n')) if (line.trim()) this.options.onLog?.(id, 'warn', line)
    })
    proc.onExit((code, signal) => void this.onExit(id, live, code, signal).then(resolveDone))
    this.repo.markRunning(id)
    proc.send({ type: 'start', jobId: id, kind, params, confinement: this.options.confinement ?? null })
    const started = this.repo.get(id)!
    this.emit(started)
    return this.typed(started, kind)
  }

  /**
   * Asks a running job of a kind that serves requests (`ctx.serve`); rejects with JobEnded when the
   * job has ended or ends before answering, and with the job's message when answering failed.
   */
  ask<K extends keyof C & string>(
    job: Pick<KindRecord<C, K>, 'id' | 'kind'>,
    data: KindRequest<C, K>,
  ): Promise<KindReply<C, K>> {
    const live = this.live.get(job.id)
    if (!live || live.outcome) return Promise.reject(new JobEnded(job.id))
    const id = this.nextRequest++
    return new Promise((resolve, reject) => {
      // The job's process is ours and runs this kind's handler: its replies have the catalog's type.
      live.asked.set(id, { resolve: (value) => resolve(value as KindReply<C, K>), reject })
      live.proc.send({ type: 'request', id, data })
    })
  }

  /** The finished record of a job this manager started (or the stored one for others). */
  async wait(id: string): Promise<JobRecord> {
    const live = this.live.get(id)
    if (live) return live.done
    const job = this.repo.get(id)
    if (!job) throw new ApiError('not_found', `No job with id ${id}.`, 'id')
    return job
  }

  async run<K extends keyof C & string>(kind: K, params: KindParams<C, K>): Promise<KindRecord<C, K>> {
    return this.finished(this.start(kind, params))
  }

  /** `wait`, typed by the job's kind. */
  async finished<K extends keyof C & string>(job: Pick<KindRecord<C, K>, 'id' | 'kind'>): Promise<KindRecord<C, K>> {
    return this.typed(await this.wait(job.id), job.kind)
  }

  /**
   * Asks the job to stop; kills its process if it has not ended after the grace period. A job another
   * process runs is asked through the database (its owner polls), and one whose owner has died is
   * marked interrupted at once.
   */
  cancel(id: string): JobRecord {
    const live = this.live.get(id)
    const job = this.repo.get(id)
    if (!job) throw new ApiError('not_found', `No job with id ${id}.`, 'id')
    if (!live && (job.status === 'queued' || job.status === 'running')) return this.cancelElsewhere(job)
    if (!live || live.cancelRequested) return job
    live.cancelRequested = true
    live.proc.send({ type: 'cancel' })
    live.graceTimer = setTimeout(() => {
      live.killedAfterGrace = true
      live.proc.kill()
    }, this.graceMs)
    return job
  }

  private cancelElsewhere(job: JobRecord): JobRecord {
    const owner = this.repo.ownerOf(job.id)
    if (owner !== null && owner !== process.pid && this.isAlive(owner)) this.repo.requestCancel(job.id)
    else this.recoverDeadOwners()
    return this.repo.get(job.id)!
  }

  /** Cancel requests other processes left for this manager's jobs, and jobs whose owner died. */
  private poll(): void {
    try {
      for (const id of this.repo.cancelRequests([...this.live.keys()])) this.cancel(id)
      this.recoverDeadOwners()
    } catch (err) {
      // A busy or full database must not stop the app; the next poll tries again.
      this.options.onLog?.('', 'warn', `Checking jobs of other processes failed: ${(err as Error).message}`)
    }
  }

  private recoverDeadOwners(): void {
    for (const id of this.repo.recoverInterrupted(this.isAlive)) this.emit(this.repo.get(id)!)
  }

  /** Cancels every running job and waits for them to end (app shutdown). */
  async shutdown(): Promise<void> {
    if (this.poller) clearInterval(this.poller)
    const ids = [...this.live.keys()]
    for (const id of ids) this.cancel(id)
    await Promise.all(ids.map((id) => this.wait(id)))
  }

  get running(): number {
    return this.live.size
  }

  private onMessage(id: string, live: Live<keyof C & string>, message: FromWorker): void {
    try {
      this.handle(id, live, message)
    } catch (err) {
      this.storageFailed(id, live, err)
    }
  }

  /**
   * Main could not record what the job sent (SQLITE_FULL on a full disk): going on would lose the
   * job's work unseen, so the job is stopped (its last checkpoint stays) and ends failed, saying why.
   */
  private storageFailed(id: string, live: Live<string>, err: unknown): void {
    if (live.storageFailure) return
    live.storageFailure =
      describeSystemError(err, this.options.dbPath) ??
      `Recording the job failed: ${err instanceof Error ? err.message : String(err)}`
    this.options.onLog?.(id, 'error', live.storageFailure)
    this.cancel(id)
  }

  private handle(id: string, live: Live<keyof C & string>, message: FromWorker): void {
    switch (message.type) {
      case 'progress':
        live.pending = this.withRate(live, message.progress)
        this.scheduleFlush(id, live)
        break
      case 'log':
        this.options.onLog?.(id, message.level, message.message)
        break
      case 'event':
        // Acknowledged even when recording it failed: the job's `emit` must not wait forever.
        try {
          this.deliver(id, live, message.data)
        } finally {
          live.proc.send({ type: 'event-ack' })
        }
        break
      case 'result':
        live.outcome = { status: 'succeeded', result: message.value }
        break
      case 'error':
        live.outcome = { status: 'failed', error: message.message }
        break
      case 'cancelled':
        live.outcome = { status: 'cancelled', error: 'Cancelled by the user.' }
        break
      case 'reply': {
        const waiting = live.asked.get(message.id)
        live.asked.delete(message.id)
        if (message.ended) waiting?.reject(new JobEnded(id))
        else if (message.error !== undefined) waiting?.reject(new Error(message.error))
        else waiting?.resolve(message.value)
        break
      }
    }
  }

  private withRate(live: Live<string>, p: Omit<JobProgress, 'rate' | 'etaMs'>): JobProgress {
    const seconds = (Date.now() - live.startedAt) / 1000
    const rate = seconds > 0.2 && p.done > 0 ? p.done / seconds : null
    const etaMs = rate && p.total !== null ? Math.max(0, ((p.total - p.done) / rate) * 1000) : null
    return { ...p, rate, etaMs }
  }

  private scheduleFlush(id: string, live: Live<string>): void {
    if (live.flushTimer) return
    const wait = Math.max(0, live.lastFlush + this.throttleMs - Date.now())
    live.flushTimer = setTimeout(() => {
      live.flushTimer = null
      try {
        this.flushProgress(id, live)
      } catch (err) {
        this.storageFailed(id, live, err)
      }
    }, wait)
  }

  private flushProgress(id: string, live: Live<string>): void {
    if (!live.pending) return
    this.repo.saveProgress(id, live.pending)
    live.pending = null
    live.lastFlush = Date.now()
    this.emit(this.repo.get(id)!)
  }

  private async onExit<K extends keyof C & string>(
    id: string,
    live: Live<K>,
    code: number | null,
    signal: string | null,
  ): Promise<JobRecord> {
    if (live.flushTimer) clearTimeout(live.flushTimer)
    if (live.graceTimer) clearTimeout(live.graceTimer)
    for (const waiting of live.asked.values()) waiting.reject(new JobEnded(id))
    live.asked.clear()
    try {
      this.flushProgress(id, live)
    } catch (err) {
      this.storageFailed(id, live, err)
    }
    let outcome = live.storageFailure
      ? { status: 'failed' as const, error: live.storageFailure }
      : (live.outcome ?? this.exitOutcome(live, code, signal))
    const hooks = this.hooks[live.kind]
    const record = () => this.typed(this.repo.get(id)!, live.kind)
    if (outcome.status === 'succeeded' && hooks?.finalize) {
      try {
        // The job process is ours and ran this kind's handler: its output has the catalog's type.
        const output = outcome.result as KindOutput<C, K>
        outcome = { status: 'succeeded', result: await hooks.finalize(record(), output) }
      } catch (err) {
        outcome = { status: 'failed', error: (err as Error).message }
      }
    }
    if (outcome.status !== 'succeeded' && hooks?.cleanup) {
      await Promise.resolve(hooks.cleanup(record())).catch((err: unknown) =>
        this.options.onLog?.(id, 'error', `Cleaning up after the job failed: ${(err as Error).message}`),
      )
    }
    this.live.delete(id)
    let job: JobRecord
    try {
      this.repo.finish(id, outcome.status, outcome)
      job = this.repo.get(id)!
    } catch (err) {
      // The end cannot be recorded either (the disk is still full): waiters get it from memory, and
      // the next start marks the job interrupted, its run resumable.
      const why = describeSystemError(err, this.options.dbPath) ?? (err as Error).message
      this.options.onLog?.(id, 'error', `Recording the end of the job failed: ${why}`)
      const error = outcome.status === 'succeeded' ? why : (outcome.error ?? why)
      job = { ...this.repo.get(id)!, status: outcome.status === 'succeeded' ? 'failed' : outcome.status, error }
      this.emit(job)
      return job
    }
    try {
      hooks?.settled?.(this.typed(job, live.kind))
    } catch (err) {
      this.options.onLog?.(id, 'error', `Recording the end of the job failed: ${(err as Error).message}`)
    }
    this.emit(job)
    return job
  }

  /** Hands what a job streamed to its kind's `event` hook. */
  private deliver<K extends keyof C & string>(id: string, live: Live<K>, data: unknown): void {
    // The job process is ours and ran this kind's handler: what it emits has the catalog's type.
    this.hooks[live.kind]?.event?.(id, data as KindEvent<C, K>)
  }

  /**
   * A stored record as its kind's: it was inserted with that kind's params, and its result is what the
   * kind's process or finalize hook returned (the database keeps them as JSON, without types).
   */
  private typed<K extends keyof C & string>(job: JobRecord, kind: K): KindRecord<C, K> {
    return { ...job, kind } as KindRecord<C, K>
  }

  /** The outcome of a process that ended without reporting one. */
  private exitOutcome(live: Live<string>, code: number | null, signal: string | null) {
    if (live.cancelRequested) {
      const error = live.killedAfterGrace
        ? `Cancelled: the job did not stop within ${Math.round(this.graceMs / 1000)} s and was stopped forcibly.`
        : 'Cancelled by the user.'
      return { status: 'cancelled' as const, error }
    }
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`
    const lastLine = live.stderrTail.trim().split('\n').pop()
    return {
      status: 'failed' as const,
      error: `The job process ${how} before finishing.${lastLine ? ` Last output: ${lastLine}` : ''}`,
    }
  }

  private emit(job: JobRecord): void {
    this.options.onUpdate?.(job)
  }
}
