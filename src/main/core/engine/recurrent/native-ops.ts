/**
 * TensorFlow's own ops by name on the native rungs (tfjs-node's op execution), for the fused
 * recurrent ops that tfjs has no kernel for.
 */
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'

interface OpAttr {
  name: string
  type: number
  value: unknown
}
interface Binding {
  TF_ATTR_FLOAT: number
  TF_ATTR_BOOL: number
  TF_ATTR_TYPE: number
  TF_FLOAT: number
}
interface NativeBackend {
  isGPUPackage: boolean
  binding: Binding
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: object[], outputs: number): tf.Tensor[]
}

const load = createRequire(__filename)

/** The tfjs-node backend when it runs the math (the tensorflow and cuda rungs), else null. */
function nativeBackend(): NativeBackend | null {
  const backend = tf.backend() as Partial<NativeBackend>
  return tf.getBackend() === 'tensorflow' && typeof backend.executeMultipleOutputs === 'function'
    ? (backend as NativeBackend)
    : null
}

export const onNativeRung = (): boolean => nativeBackend() !== null

function backendOrThrow(): NativeBackend {
  const backend = nativeBackend()
  if (!backend) throw new Error('TensorFlow ops run only on the native TensorFlow rungs.')
  return backend
}

/** Runs the float32 op `name`; attributes other than its type `T` are floats or booleans. */
export function runNative(
  name: string,
  inputs: object[],
  outputs: number,
  attrs: Record<string, number | boolean> = {},
): tf.Tensor[] {
  const backend = backendOrThrow()
  const { binding } = backend
  const opAttrs: OpAttr[] = Object.entries(attrs).map(([attr, value]) => ({
    name: attr,
    type: typeof value === 'boolean' ? binding.TF_ATTR_BOOL : binding.TF_ATTR_FLOAT,
    value,
  }))
  opAttrs.push({ name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT })
  return backend.executeMultipleOutputs(name, opAttrs, inputs, outputs)
}

/** An int64 scalar input, which tfjs-node takes only as its own Int64Scalar. */
export function int64Scalar(value: number): object {
  const pkg = backendOrThrow().isGPUPackage ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'
  const { Int64Scalar } = load(`${pkg}/dist/int64_tensors`) as { Int64Scalar: new (value: number) => object }
  return new Int64Scalar(value)
}
