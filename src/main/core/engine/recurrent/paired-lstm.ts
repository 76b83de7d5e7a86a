/**
 * Both directions of a bidirectional LSTM layer at once on the native CPU rung: the forward direction
 * on the job's thread, the backward one in a worker thread with a TensorFlow context of its own
 * (`direction-thread.ts`), each on its own core. tfjs-node runs ops one at a time on the thread that
 * calls them, so the two directions otherwise run one after the other (Keras overlaps them on its
 * inter-op threads). The job's thread blocks for the other direction's reply inside the op, so the
 * pair stays one synchronous, differentiable tfjs op; inputs and outputs cross as copies through
 * shared buffers (`shaped.ts`). Where the
 * thread cannot start, or fails or ends mid-run, the backward direction runs on the job's thread
 * (recomputed from the saved input and weights when its forward state was lost) and the run goes on.
 */
import { availableParallelism } from 'node:os'
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { startWorkerThread } from '../../jobs/worker-thread'
import { lstmBackward, lstmForward } from './block-lstm'
import type { DirectionReply, DirectionRequest, DirectionThreadData, ReplyTo } from './direction-thread'
import { Outbox, tensor, type Shaped } from './shaped'

interface Thread {
  worker: Worker
  port: MessagePort
  signal: Int32Array
  /** Where this side writes its requests' tensors. */
  outbox: Outbox
}

let thread: Thread | null = null
/** Why the thread does not serve (set once: the pairs then run one direction after the other). */
let unavailable: string | null = null
let wanted = true
let asked = false
let passes = 0
let pairedPasses = 0
let reported = ''

/** Whether bidirectional LSTM layers pair their directions on two threads (on unless a benchmark or test says). */
export function pairDirections(on: boolean): void {
  wanted = on
}

/** How many passes the thread served, and why it does not serve now (null while it can). */
export const pairing = () => ({ pairedPasses, unavailable })

/** A line for the run's log when the pairs' state has changed since the last one (on two threads, or not and why). */
export function pairingNote(): string | null {
  const now = !asked
    ? ''
    : unavailable
      ? `Bidirectional LSTM layers run their two directions one after the other: ${unavailable}.`
      : 'Bidirectional LSTM layers run their two directions at once, on two threads.'
  if (now === reported) return null
  reported = now
  return now
}

/** The next reply (or the thread's 'ready') after the signal stood at `seen`, waiting for it on the signal. */
function next(t: Thread, seen: number): DirectionReply {
  for (;;) {
    const got = receiveMessageOnPort(t.port)
    if (got) return got.message as DirectionReply
    if (Atomics.load(t.signal, 1) === 1) return { error: 'the thread ended' }
    Atomics.wait(t.signal, 0, seen)
    seen = Atomics.load(t.signal, 0)
  }
}

function stop(t: Thread, why: string): null {
  unavailable = why
  thread = null
  void t.worker.terminate()
  return null
}

/** The thread, started on the first call; null where it cannot serve (`unavailable` says why). */
function started(): Thread | null {
  if (thread || unavailable) return thread
  if (availableParallelism() < 2) {
    unavailable = 'this machine has one core'
    return null
  }
  const { port1, port2 } = new MessageChannel()
  const signal = new Int32Array(new SharedArrayBuffer(8))
  const data: DirectionThreadData = { port: port2, signal }
  const entry = { built: 'direction-thread.js', source: 'direction-thread.ts' }
  const worker = startWorkerThread(__dirname, entry, data, [port2])
  worker.unref()
  // An uncaught error ends the thread, which the waits see through the signal.
  worker.on('error', () => {})
  const t = { worker, port: port1, signal, outbox: new Outbox() }
  const ready = next(t, 0)
  if (ready !== 'ready')
    return stop(t, `the second thread did not start (${'error' in ready ? ready.error : 'an unexpected reply'})`)
  thread = t
  return thread
}

/** Posts `request`; the function returned waits for its reply, null (and the thread stopped) on failure. */
function post<K extends keyof ReplyTo>(
  t: Thread | null,
  request: Extract<DirectionRequest, { kind: K }>,
): () => ReplyTo[K] | null {
  if (!t || t !== thread) return () => null
  const seen = Atomics.load(t.signal, 0)
  t.port.postMessage(request)
  return () => {
    const reply = next(t, seen)
    if (reply !== 'ready' && !('error' in reply)) return reply as ReplyTo[K]
    return stop(t, `the second thread failed (${reply === 'ready' ? 'an unexpected reply' : reply.error})`)
  }
}

type Weights = [kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D]

/**
 * A bidirectional LSTM layer's outputs for every step, [batch, steps, 2 units]: the forward direction's,
 * then the backward one's put back in time order (tfjs-layers' Bidirectional, merge mode concat);
 * differentiable in the input and both directions' weights. Null where the thread cannot serve.
 */
export function pairedLstm(
  layer: string,
  x: tf.Tensor3D,
  forward: Weights,
  backward: Weights,
  inputGradient: boolean,
): tf.Tensor3D | null {
  if (!wanted) return null
  asked = true
  const t = started()
  if (!t) return null
  const pass = ++passes
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, rk, b, ...other] = args.slice(0, 7) as [tf.Tensor3D, ...Weights, ...Weights]
    const save = args[7] as tf.GradSaveFunc
    const [kernel, recurrentKernel, bias] = other.map((w, i) => t.outbox.put(`weight${i}`, w)) as [
      Shaped,
      Shaped,
      Shaped,
    ]
    const x = t.outbox.put('x', input)
    const replied = post(t, { kind: 'forward', layer, pass, x, kernel, recurrentKernel, bias })
    const own = lstmForward(input, k, rk, b, false)
    const reply = replied()
    const backwards = reply ? tensor(reply.outputs) : lstmForward(input, ...other, true).value
    if (reply) pairedPasses++
    save([input, ...other, own.saved.inputs, k, rk, ...own.saved.outputs])
    return {
      value: tf.concat([own.value, tf.reverse(backwards, 1)], -1) as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const [x0, k1, rk1, b1, inputs, kernel, recurrentKernel, ...outputs] = kept as tf.Tensor[]
        const [dyForward, dyBackward] = tf.split(dy, 2, -1) as [tf.Tensor, tf.Tensor]
        const dyRan = tf.reverse(dyBackward, 1)
        const dyShared = t.outbox.put('dy', dyRan)
        const replied = post(reply ? t : null, { kind: 'backward', layer, pass, dy: dyShared, inputGradient })
        const own = lstmBackward(
          { inputs: inputs!, kernel: kernel!, recurrentKernel: recurrentKernel!, outputs },
          dyForward,
          false,
          inputGradient,
        )
        const theirs =
          replied()?.grads.map((g) => g && tensor(g)) ??
          local(x0 as tf.Tensor3D, [k1, rk1, b1] as Weights, dyRan, inputGradient)
        const [dx, ...weights] = theirs
        return [dx ? tf.add(own[0]!, dx) : own[0]!, ...own.slice(1), ...(weights as tf.Tensor[])]
      },
    }
  })
  return run(x, ...forward, ...backward) as tf.Tensor3D
}

/** The backward direction's gradients on this thread (its forward state recomputed), the input's null unless wanted. */
function local(x: tf.Tensor3D, weights: Weights, dyRan: tf.Tensor, inputGradient: boolean): (tf.Tensor | null)[] {
  const { saved } = lstmForward(x, ...weights, true)
  const grads = lstmBackward(saved, dyRan, true, inputGradient)
  return [inputGradient ? grads[0]! : null, ...grads.slice(1)]
}
