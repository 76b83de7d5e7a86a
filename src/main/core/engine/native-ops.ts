/**
 * TensorFlow's own ops by name on the native rungs (tfjs-node's op execution), for the fused ops
 * that tfjs has no kernel for: the recurrent blocks, and the optimizers' updates of resource variables;
 * and the recurrent blocks' step loops on bare handles (`onHandles`).
 */
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'

interface OpAttr {
  name: string
  type: number
  value: unknown
}
/** What tfjs-node's binding says of an op's output: its handle's id, with its shape and type. */
interface OutputInfo {
  id: number
  shape: number[]
  dtype: number | string
}
interface Binding {
  TF_ATTR_FLOAT: number
  TF_ATTR_INT: number
  TF_ATTR_BOOL: number
  TF_ATTR_TYPE: number
  TF_ATTR_STRING: number
  TF_ATTR_SHAPE: number
  TF_FLOAT: number
  createTensor(shape: number[], dtype: number, values: Float32Array): number
  executeOp(name: string, attrs: OpAttr[], inputs: number[], outputs: number): OutputInfo[]
  deleteTensor(id: number): void
}
interface NativeBackend {
  isGPUPackage: boolean
  binding: Binding
  getInputTensorIds(tensors: object[]): number[]
  createOutputTensor(info: OutputInfo): tf.Tensor
}

const load = createRequire(__filename)

/** The tfjs-node backend when it runs the math (the tensorflow and cuda rungs), else null. */
function nativeBackend(): NativeBackend | null {
  const backend = tf.backend() as Partial<NativeBackend>
  return tf.getBackend() === 'tensorflow' && typeof backend.getInputTensorIds === 'function'
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

/** An op's attribute: a float, an integer (`{ int }`), a boolean, a string or a shape. */
type Attr = number | { int: number } | boolean | string | number[]

function opAttrs(binding: Binding, attrs: Record<string, Attr>, typeAttr: string | null): OpAttr[] {
  const typed = (value: Attr): Omit<OpAttr, 'name'> =>
    typeof value === 'boolean'
      ? { type: binding.TF_ATTR_BOOL, value }
      : typeof value === 'string'
        ? { type: binding.TF_ATTR_STRING, value }
        : Array.isArray(value)
          ? { type: binding.TF_ATTR_SHAPE, value }
          : typeof value === 'object'
            ? { type: binding.TF_ATTR_INT, value: value.int }
            : { type: binding.TF_ATTR_FLOAT, value }
  const list = Object.entries(attrs).map(([name, value]) => ({ name, ...typed(value) }))
  if (typeAttr) list.push({ name: typeAttr, type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT })
  return list
}

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
  const ids = backend.getInputTensorIds(inputs)
  try {
    const infos = binding.executeOp(name, opAttrs(binding, attrs, typeAttr), ids, outputs)
    return infos.map((info) => backend.createOutputTensor(info))
  } finally {
    // tfjs-node makes a handle for an Int64Scalar on every read and never frees it (one per BlockLSTM call).
    inputs.forEach((input, i) => {
      if (!(input instanceof tf.Tensor)) binding.deleteTensor(ids[i]!)
    })
  }
}

/**
 * A float32 tensor holding a copy of `values` made now. tfjs-node's tensors wrap a typed array's
 * memory rather than copy it (`tf.tensor` included), which a buffer its owner rewrites would change
 * under them; TensorFlow's DeepCopy always writes a new buffer.
 */
export function copiedTensor(values: Float32Array, shape: number[]): tf.Tensor {
  const backend = backendOrThrow()
  const { binding } = backend
  const wrapped = binding.createTensor(shape, binding.TF_FLOAT, values)
  try {
    const [copy] = binding.executeOp('DeepCopy', opAttrs(binding, {}, 'T'), [wrapped], 1)
    return backend.createOutputTensor(copy!)
  } finally {
    binding.deleteTensor(wrapped)
  }
}

/** TensorFlow's MatMul of two matrices (oneDNN's product on the CPU), either one transposed. */
export const nativeMatMul = (a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor =>
  runNative('MatMul', [a, b], 1, { transpose_a: transposeA, transpose_b: transposeB })[0]!

/**
 * TensorFlow ops on bare tensor handles, for loops of hundreds of small ops a pass: each result is a
 * handle id this scope owns, with none of the tfjs tensor, tidy and disposal bookkeeping that made up
 * half of an LSTM's backward loop. `tensor` hands a result over to tfjs; `dispose` frees the rest.
 */
export class HandleScope {
  private readonly backend = backendOrThrow()
  private readonly owned = new Map<number, OutputInfo>()

  /** The handles of tfjs tensors, as op inputs (still theirs). */
  ids(...tensors: tf.Tensor[]): number[] {
    return this.backend.getInputTensorIds(tensors)
  }

  run(name: string, inputs: number[], outputs: number, attrs: Record<string, Attr> = {}): number[] {
    const { binding } = this.backend
    const infos = binding.executeOp(name, opAttrs(binding, attrs, 'T'), inputs, outputs)
    for (const info of infos) this.owned.set(info.id, info)
    return infos.map((info) => info.id)
  }

  /** The slices of a handle along its first axis (`count` of them). */
  unstack(id: number, count: number): number[] {
    return this.run('Unpack', [id], count, { num: { int: count }, axis: { int: 0 } })
  }

  /** A tfjs tensor's slices along its first axis (`count` of them): a sequence's steps, time-major. */
  steps(t: tf.Tensor, count: number): number[] {
    return this.unstack(this.ids(t)[0]!, count)
  }

  /** The product `a` times `b`, or times `b` transposed. */
  matMul(a: number, b: number, transposeB = false): number {
    return this.run('MatMul', [a, b], 1, { transpose_a: false, transpose_b: transposeB })[0]!
  }

  /** Handles stacked along a new first axis. */
  stack(ids: number[]): number {
    return this.run('Pack', ids, 1, { N: { int: ids.length }, axis: { int: 0 } })[0]!
  }

  /** A result as a tfjs tensor, which then owns it. */
  tensor(id: number): tf.Tensor {
    const info = this.owned.get(id)
    if (!info) throw new Error(`Handle ${id} is not a result of this scope.`)
    this.owned.delete(id)
    return this.backend.createOutputTensor(info)
  }

  free(id: number): void {
    if (this.owned.delete(id)) this.backend.binding.deleteTensor(id)
  }

  dispose(): void {
    for (const id of this.owned.keys()) this.backend.binding.deleteTensor(id)
    this.owned.clear()
  }
}

/** `use`'s result, run with a scope of handles that is freed after, whatever happens. */
export function onHandles<T>(use: (scope: HandleScope) => T): T {
  const scope = new HandleScope()
  try {
    return use(scope)
  } finally {
    scope.dispose()
  }
}

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
