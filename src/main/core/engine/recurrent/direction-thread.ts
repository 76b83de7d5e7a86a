/**
 * The backward direction of the app's bidirectional LSTM layers on the native CPU rung, in a worker
 * thread with a TensorFlow context of its own (`paired-lstm.ts` is the other side). Each request is
 * one layer's forward or backward pass; it keeps each layer's forward state until that layer's
 * backward pass. Replies go on the request's port and bump `signal`, which the job's thread, blocked
 * in the middle of a tfjs op, waits on; `signal[1]` turns 1 when the thread ends. Built as its own entry (`out/main/direction-thread.js`).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { injectedFault } from '../../faults'
import { useBackend } from '../backend'
import { lstmBackward, lstmForward, type LstmSaved } from './block-lstm'
import { Outbox, tensor, type Shaped } from './shaped'

export interface DirectionThreadData {
  port: MessagePort
  signal: Int32Array
}

/** One layer's forward pass (`pass` numbers it), or the backward pass of its last forward one. */
export type DirectionRequest =
  | { kind: 'forward'; layer: string; pass: number; x: Shaped; kernel: Shaped; recurrentKernel: Shaped; bias: Shaped }
  | { kind: 'backward'; layer: string; pass: number; dy: Shaped; inputGradient: boolean }

/** The reply to each kind of request: the outputs, or the gradients (the input's null unless asked). */
export interface ReplyTo {
  forward: { outputs: Shaped }
  backward: { grads: (Shaped | null)[] }
}

/** 'ready' once TensorFlow is up, then one reply per request, or why not. */
export type DirectionReply = 'ready' | ReplyTo[keyof ReplyTo] | { error: string }

const outbox = new Outbox()
const kept = new Map<string, { pass: number; saved: LstmSaved }>()

function release(layer: string): void {
  const state = kept.get(layer)
  if (!state) return
  const { inputs, kernel, recurrentKernel, outputs } = state.saved
  tf.dispose([inputs, kernel, recurrentKernel, ...outputs])
  kept.delete(layer)
}

function serve(r: DirectionRequest): DirectionReply {
  if (r.kind === 'forward') {
    release(r.layer)
    const [value, inputs, kernel, recurrentKernel, ...outputs] = tf.tidy(() => {
      const { value, saved } = lstmForward(
        tensor(r.x) as tf.Tensor3D,
        tensor(r.kernel) as tf.Tensor2D,
        tensor(r.recurrentKernel) as tf.Tensor2D,
        tensor(r.bias) as tf.Tensor1D,
        true,
      )
      return [value, saved.inputs, saved.kernel, saved.recurrentKernel, ...saved.outputs]
    }) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]]
    const saved = { inputs, kernel, recurrentKernel, outputs }
    kept.set(r.layer, { pass: r.pass, saved })
    const reply = { outputs: outbox.put('outputs', value) }
    value.dispose()
    return reply
  }
  const state = kept.get(r.layer)
  if (!state || state.pass !== r.pass)
    return { error: `the backward direction of ${r.layer} has no forward pass ${r.pass} to differentiate` }
  const grads = tf.tidy(() => lstmBackward(state.saved, tensor(r.dy), true, r.inputGradient))
  release(r.layer)
  const reply = grads.map((g, i) => (i === 0 && !r.inputGradient ? null : outbox.put(`grad${i}`, g)))
  tf.dispose(grads)
  return { grads: reply }
}

if (parentPort) {
  const { port, signal } = workerData as DirectionThreadData
  const bump = () => {
    Atomics.add(signal, 0, 1)
    Atomics.notify(signal, 0)
  }
  const reply = (message: DirectionReply) => {
    port.postMessage(message)
    bump()
  }
  // A thread that ends (an uncaught error included) says so, or the job's thread would wait for ever.
  process.on('exit', () => {
    Atomics.store(signal, 1, 1)
    bump()
  })
  // The job's thread settings reach TensorFlow here through the environment it copied.
  useBackend('tensorflow').then(
    () => {
      const crashAfter = injectedFault('direction-thread-requests')
      let requests = 0
      port.on('message', (r: DirectionRequest) => {
        if (crashAfter !== undefined && requests++ >= crashAfter)
          throw new Error('Injected fault: the direction thread crashes.')
        try {
          reply(serve(r))
        } catch (err) {
          reply({ error: (err as Error).message })
        }
      })
      reply('ready')
    },
    (err: Error) => reply({ error: err.message }),
  )
}
