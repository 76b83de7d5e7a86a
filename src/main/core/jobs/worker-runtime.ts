/**
 * The job-process side of the job protocol. A worker entry calls `runJobWorker` with its job kinds;
 * the runtime receives `start`, runs the handler with a context for progress, logs and cancellation,
 * and reports the result or the error. It talks over Electron's parentPort under utilityProcess and
 * over Node's IPC channel under child_process.fork.
 */
import type {
  Catalog,
  KindEvent,
  KindOutput,
  KindParams,
  KindReply,
  KindRequest,
  KindUnit,
} from '../../../shared/job-catalog'
import { describeSystemError } from '../system-errors'
import type { Confinement } from '../security/path-policy'
import type { FromWorker, ToWorker } from './protocol'

export class JobCancelled extends Error {
  constructor() {
    super('Cancelled by the user.')
    this.name = 'JobCancelled'
  }
}

export interface JobContext<U extends string = string, E = unknown, Q = unknown, A = unknown> {
  jobId: string
  /** Aborted when main asks the job to stop. */
  signal: AbortSignal
  progress(done: number, total: number | null, unit: U, message?: string): void
  log(level: 'info' | 'warn' | 'error', message: string): void
  /**
   * Sends data of this job kind's own to main (see JobKindHooks.event). Resolves once main has handed
   * it to that hook (main acknowledges every event), so a job that waits cannot outrun main on any
   * transport: Electron's parentPort has no back-pressure of its own.
   */
  emit(data: E): Promise<void>
  /** Throws JobCancelled when a cancel was requested; call it between units of work. */
  throwIfCancelled(): void
  /** Serve mode's limits on followed links and fetched addresses; absent when unrestricted. */
  confinement?: Confinement
  /**
   * Answers main's requests (`JobManager.ask`) with `answer` until the handler returns (requests
   * that came earlier are answered now); later ones are told the job has ended.
   */
  serve(answer: (request: Q) => Promise<A>): void
}

/** One handler per kind of a catalog, given the kind's checked params. */
export type JobHandlers<C extends Catalog> = {
  [K in keyof C & string]: (
    params: KindParams<C, K>,
    ctx: JobContext<KindUnit<C, K>, KindEvent<C, K>, KindRequest<C, K>, KindReply<C, K>>,
  ) => Promise<KindOutput<C, K>>
}

interface Channel {
  send(message: FromWorker): Promise<void>
  onMessage(listener: (message: ToWorker) => void): void
}

interface ParentPort {
  postMessage(message: unknown): void
  on(event: 'message', listener: (e: { data: unknown }) => void): void
}

function channel(): Channel {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort
  if (parentPort) {
    return {
      send: async (m) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (e) => l(e.data as ToWorker)),
    }
  }
  if (!process.send) throw new Error('A job process must be started by Sentiment Studio (no IPC channel).')
  // The app (or CLI) that started the job is gone: nobody can record its work, so stop rather than run
  // on as an orphan writing beside the job that resumes it. The run keeps its last checkpoint.
  process.on('disconnect', () => process.exit(1))
  return {
    send: (m) => new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve())),
    onMessage: (l) => process.on('message', (m) => l(m as ToWorker)),
  }
}

export function runJobWorker<C extends Catalog>(catalog: C, handlers: JobHandlers<C>): void {
  const port = channel()
  const abort = new AbortController()
  let started = false
  let answer: ((request: unknown) => Promise<unknown>) | null = null
  // Requests that came before the handler began to serve (while it loads, say), answered then.
  let early: { id: number; data: unknown }[] | null = []
  // The emits main has not acknowledged yet, oldest first.
  const acks: (() => void)[] = []
  const reply = (id: number, data: unknown) => {
    if (!answer) void port.send({ type: 'reply', id, ended: true })
    else
      answer(data).then(
        (value) => port.send({ type: 'reply', id, value }),
        (err: unknown) => port.send({ type: 'reply', id, error: err instanceof Error ? err.message : String(err) }),
      )
  }

  // Give a pending postMessage time to leave before the process ends.
  const finish = async (message: FromWorker) => {
    answer = null
    for (const r of early ?? []) reply(r.id, r.data)
    early = null
    await port.send(message)
    setTimeout(() => process.exit(0), 50)
  }

  port.onMessage((message) => {
    if (message.type === 'event-ack') {
      acks.shift()?.()
      return
    }
    if (message.type === 'cancel') {
      abort.abort()
      return
    }
    if (message.type === 'request') {
      if (early && !answer) early.push(message)
      else reply(message.id, message.data)
      return
    }
    if (started) return
    started = true
    const { kind } = message
    if (!isKind(catalog, kind)) {
      void finish({ type: 'error', message: `Unknown job kind "${kind}".` })
      return
    }
    const ctx: JobContext = {
      jobId: message.jobId,
      signal: abort.signal,
      progress: (done, total, unit, text) =>
        void port.send({ type: 'progress', progress: { done, total, unit, message: text ?? null } }),
      log: (level, text) => void port.send({ type: 'log', level, message: text }),
      emit: (data) =>
        new Promise<void>((resolve) => {
          acks.push(resolve)
          void port.send({ type: 'event', data })
        }),
      throwIfCancelled: () => {
        if (abort.signal.aborted) throw new JobCancelled()
      },
      ...(message.confinement ? { confinement: message.confinement } : {}),
      serve: (handler) => {
        answer = handler
        for (const r of early ?? []) reply(r.id, r.data)
        early = null
      },
    }
    runKind(catalog, handlers, kind, message.params, ctx).then(
      (value) => finish(abort.signal.aborted ? { type: 'cancelled' } : { type: 'result', value }),
      (err: unknown) =>
        finish(
          // Whatever a cancelled job throws on its way out (an aborted stream, say) is the cancel.
          err instanceof JobCancelled || abort.signal.aborted
            ? { type: 'cancelled' }
            : {
                type: 'error',
                message: failureMessage(err),
                stack: err instanceof Error ? err.stack : undefined,
              },
        ),
    )
  })
}

/**
 * The error's message; a system error that names its file (a full disk, a read-only folder) as one
 * line with that path. Without a path Node's own message stays, for main to name the data directory.
 */
function failureMessage(err: unknown): string {
  const named = err instanceof Error && 'code' in err && 'path' in err && typeof err.path === 'string'
  const system = named ? describeSystemError(err) : null
  return system ?? (err instanceof Error ? err.message : String(err))
}

/** Checks the params against the kind's schema, then runs its handler. */
async function runKind<C extends Catalog, K extends keyof C & string>(
  catalog: C,
  handlers: JobHandlers<C>,
  kind: K,
  raw: unknown,
  ctx: JobContext,
): Promise<unknown> {
  const params = catalog[kind]!.params.safeParse(raw)
  if (!params.success) {
    const issue = params.error.issues[0]!
    throw new Error(`Job "${kind}" got bad params: ${issue.path.join('.') || 'params'}: ${issue.message}`)
  }
  // zod cannot name the output of a schema picked by a type parameter; this is that schema's output.
  return handlers[kind](params.data as KindParams<C, K>, ctx)
}

function isKind<C extends Catalog>(catalog: C, kind: string): kind is keyof C & string {
  return Object.hasOwn(catalog, kind)
}
