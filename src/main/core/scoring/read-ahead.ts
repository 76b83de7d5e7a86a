/**
 * The job's side of its reading thread (`read-thread.ts`): the input's batches, read, decoded and
 * encoded on another core while this thread scores and writes the batch before. Each batch taken
 * lets the thread post one more; leaving the loop (the input's end, a cancel, an error) ends the
 * thread. A reading error is thrown here with its message and its system fields (code, path).
 */
import { Worker } from 'node:worker_threads'
import { startWorkerThread } from '../jobs/worker-thread'
import type { InputBatch } from './input-batches'
import type { ReadThreadData, ReadThreadMessage } from './read-thread'

/** The thread on its entry (built beside the job's bundle, else the source). */
const startThread = (data: ReadThreadData) =>
  startWorkerThread(__dirname, { built: 'score-read-thread.js', source: 'read-thread.ts' }, data)

/** Started at once (reading overlaps loading the model); `close` ends the thread, read or not. */
export class ReadAhead {
  private readonly worker: Worker
  private readonly queue: (ReadThreadMessage | { failed: Error })[] = []
  private wake: (() => void) | null = null

  constructor(data: ReadThreadData) {
    this.worker = startThread(data)
    const push = (m: ReadThreadMessage | { failed: Error }) => {
      this.queue.push(m)
      this.wake?.()
      this.wake = null
    }
    this.worker.on('message', push)
    this.worker.on('error', (err) => push({ failed: err }))
    this.worker.on('exit', (code) => push({ failed: new Error(`The reading thread exited with code ${code}.`) }))
  }

  /**
   * The batches in input order; each one taken lets the thread post one more. They end early when
   * `signal` aborts (a cancel need not wait for the next batch).
   */
  async *batches(signal?: AbortSignal): AsyncGenerator<InputBatch> {
    const stop = () => this.wake?.()
    signal?.addEventListener('abort', stop)
    try {
      yield* this.taken(signal)
    } finally {
      signal?.removeEventListener('abort', stop)
    }
  }

  private async *taken(signal?: AbortSignal): AsyncGenerator<InputBatch> {
    for (;;) {
      while (this.queue.length === 0) {
        if (signal?.aborted) return
        await new Promise<void>((resolve) => (this.wake = resolve))
      }
      const m = this.queue.shift()!
      if ('failed' in m) throw m.failed
      if ('error' in m) {
        const { message, name, ...fields } = m.error
        const err = new Error(message)
        err.name = name
        for (const [k, v] of Object.entries(fields)) if (v !== undefined) Object.assign(err, { [k]: v })
        throw err
      }
      if ('done' in m) return
      yield m.batch
      this.worker.postMessage(0)
    }
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners()
    this.worker.on('error', () => {})
    await this.worker.terminate()
  }
}
