/**
 * TensorFlow's own ops by name on the native rungs (tfjs-node's op execution), for the fused ops
 * that tfjs has no kernel for: the recurrent blocks, and the optimizers' updates of resource variables.
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
  TF_ATTR_STRING: number
  TF_ATTR_SHAPE: number
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
/** Whether TensorFlow runs the math on the CPU (the tensorflow rung, not cuda). */
export const onNativeCpuRung = (): boolean => nativeBackend()?.isGPUPackage === false

function backendOrThrow(): NativeBackend {
  const backend = nativeBackend()
  if (!backend) throw new Error('TensorFlow ops run only on the native TensorFlow rungs.')
  return backend
}

/** An op's attribute: a float, a boolean, a string or a shape. */
type Attr = number | boolean | string | number[]

/**
 * Runs the op `name` on float32 data; `typeAttr` names its float32 type attribute (`T` for math ops,
 * `dtype` for the variable ops, null for none).
 */
export function runNative(
  name: string,
  inputs: object[],
  outputs: number,
  attrs: Record<string, Attr> = {},
  typeAttr: string | null = 'T',
): tf.Tensor[] {
  const backend = backendOrThrow()
  const { binding } = backend
  const kind = (value: Attr) =>
    typeof value === 'boolean'
      ? binding.TF_ATTR_BOOL
      : typeof value === 'string'
        ? binding.TF_ATTR_STRING
        : Array.isArray(value)
          ? binding.TF_ATTR_SHAPE
          : binding.TF_ATTR_FLOAT
  const opAttrs: OpAttr[] = Object.entries(attrs).map(([attr, value]) => ({ name: attr, type: kind(value), value }))
  if (typeAttr) opAttrs.push({ name: typeAttr, type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT })
  return backend.executeMultipleOutputs(name, opAttrs, inputs, outputs)
}

/** A one-output op on float32 inputs with no attributes but its type (AddV2, Tanh, Mul, …). */
export const nativeOp = (name: string, ...inputs: tf.Tensor[]): tf.Tensor => runNative(name, inputs, 1)[0]!

/** TensorFlow's MatMul of two matrices (oneDNN's product on the CPU), either one transposed. */
export const nativeMatMul = (a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor =>
  runNative('MatMul', [a, b], 1, { transpose_a: transposeA, transpose_b: transposeB })[0]!

let resources = 0

/**
 * A float32 TensorFlow resource variable (what Keras' weights and slots are): the fused optimizer
 * ops update it in place, where a tfjs tensor can only be replaced by a new one.
 */
export class ResourceVariable {
  /** The handle, an op's input. */
  readonly handle: tf.Tensor

  constructor(shape: number[], value: tf.Tensor) {
    // A name of its own: in eager mode an unnamed handle would be the op's name, shared by all.
    const sharedName = `studio_${process.pid}_${resources++}`
    // Kept: a variable made inside a tidy (a first gather for validation) outlives it.
    this.handle = tf.keep(
      runNative('VarHandleOp', [], 1, { container: '', shared_name: sharedName, shape }, 'dtype')[0]!,
    )
    this.assign(value)
  }

  assign(value: tf.Tensor): void {
    runNative('AssignVariableOp', [this.handle, value], 0, {}, 'dtype')
  }

  /** Its value now, as a new tensor (TensorFlow copies the buffer before a later update if this one still holds it). */
  read(): tf.Tensor {
    return runNative('ReadVariableOp', [this.handle], 1, {}, 'dtype')[0]!
  }

  dispose(): void {
    runNative('DestroyResourceOp', [this.handle], 0, { ignore_lookup_error: true }, null)
    this.handle.dispose()
  }
}

/** An int64 scalar input, which tfjs-node takes only as its own Int64Scalar. */
export function int64Scalar(value: number): object {
  const pkg = backendOrThrow().isGPUPackage ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'
  const { Int64Scalar } = load(`${pkg}/dist/int64_tensors`) as { Int64Scalar: new (value: number) => object }
  return new Int64Scalar(value)
}
