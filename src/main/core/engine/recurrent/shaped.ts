/**
 * Tensors as they cross between the job's thread and a direction thread: in shared buffers that the
 * sending side reuses pass after pass, one per payload name. Structured clones of fresh typed arrays
 * made each pass tens of MB of short-lived external memory, which kept V8's major GC marking the heap
 * on a third thread (about a quarter of a core on a two-core machine). Reuse is safe because the two
 * sides take turns: each request waits for its reply, and the receiving side copies a payload into
 * TensorFlow (`copiedTensor`) before it replies or sends the next request.
 */
import * as tf from '@tensorflow/tfjs'
import { copiedTensor } from '../native-ops'

export interface Shaped {
  buffer: SharedArrayBuffer
  shape: number[]
}

/** The shared buffers one side writes its payloads into, each grown when a payload outgrows it. */
export class Outbox {
  private readonly buffers = new Map<string, SharedArrayBuffer>()

  /** `t`'s values in the buffer for `name`, overwriting what the last payload of that name left. */
  put(name: string, t: tf.Tensor): Shaped {
    let buffer = this.buffers.get(name)
    if (!buffer || buffer.byteLength < t.size * 4) {
      buffer = new SharedArrayBuffer(t.size * 4)
      this.buffers.set(name, buffer)
    }
    new Float32Array(buffer, 0, t.size).set(t.dataSync())
    return { buffer, shape: t.shape }
  }
}

/** A payload as a tensor of this thread's TensorFlow, copied now (the sender reuses the buffer). */
export const tensor = (s: Shaped): tf.Tensor =>
  copiedTensor(new Float32Array(s.buffer, 0, tf.util.sizeFromShape(s.shape)), s.shape)
