/**
 * Adam on the native TensorFlow rungs as one fused op per weight, as Keras runs it. tfjs's Adam is
 * a dozen elementwise ops per weight, each writing a new tensor of the weight's size: for the dense
 * net's 12.5M-weight layer that was most of a training step (about 185 of 320 ms), against about 25 ms
 * for TensorFlow's `ResourceApplyAdam`. The weight and its moments live in TensorFlow resource
 * variables, which the op updates in place; after each update the tfjs variable takes the new value
 * (sharing the buffer), and a value set from outside (a checkpoint, `setWeights`) goes back into the
 * resource first.
 * Checkpoints hold the slots under tfjs's Adam names, so a run resumes on either optimizer.
 */
import * as tf from '@tensorflow/tfjs'
import { ResourceVariable, runNative } from './native-ops'

/** A weight or slot by name, as optimizers take and give them. */
interface NamedTensor {
  name: string
  tensor: tf.Tensor
}

/** One weight's resources, and the tfjs data the weight had when the resource last agreed with it. */
interface Slot {
  name: string
  weight: ResourceVariable
  m: ResourceVariable
  v: ResourceVariable
  synced: object
}

export class NativeAdam extends tf.AdamOptimizer {
  /** By position in the gradients, as tfjs's Adam keeps its moments. */
  private slots: Slot[] = []
  /** Moments from `setWeights` for weights that have no resources yet (first m's, then v's). */
  private restored: tf.Tensor[] = []

  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999)
  }

  override applyGradients(gradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named = Array.isArray(gradients)
      ? gradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(gradients)
    const t = this.iterations + 1
    // tfjs's rule, lr·m̂/(√v̂ + ε), in TensorFlow's form, lr·√(1-β₂ᵗ)/(1-β₁ᵗ)·m/(√v + ε'): equal with ε' = ε·√(1-β₂ᵗ).
    const scalars = [
      this.beta1 ** t,
      this.beta2 ** t,
      this.learningRate,
      this.beta1,
      this.beta2,
      this.epsilon * Math.sqrt(1 - this.beta2 ** t),
    ].map((x) => tf.scalar(x))
    named.forEach(([name, gradient], i) => {
      if (gradient == null) return
      const value = tf.engine().registeredVariables[name]!
      const slot = (this.slots[i] ??= this.slot(name, value, i))
      if (slot.synced !== value.dataId) slot.weight.assign(value)
      // The tfjs variable holds the gradient for a moment and lets go of the weight's buffer, which
      // TensorFlow then updates in place; else it copies the buffer first (50 MB a step for mxnet-dense).
      value.assign(gradient)
      runNative('ResourceApplyAdam', [slot.weight.handle, slot.m.handle, slot.v.handle, ...scalars, gradient], 0, {
        use_locking: false,
        use_nesterov: false,
      })
      const next = slot.weight.read()
      value.assign(next)
      next.dispose()
      slot.synced = value.dataId
    })
    tf.dispose(scalars)
    this.incrementIterations()
  }

  private slot(name: string, value: tf.Variable, i: number): Slot {
    const count = this.restored.length / 2
    const moment = (at: number) => {
      const start = this.restored[at] ?? tf.zerosLike(value)
      const variable = new ResourceVariable(value.shape, start)
      start.dispose()
      delete this.restored[at]
      return variable
    }
    const m = moment(i)
    const v = moment(count + i)
    return { name, weight: new ResourceVariable(value.shape, value), m, v, synced: value.dataId }
  }

  /** The step count, then every m, then every v, under tfjs's names: new tensors the caller disposes. */
  override async getWeights(): Promise<NamedTensor[]> {
    const read = (key: 'm' | 'v') => this.slots.map((s) => ({ name: `${s.name}/${key}`, tensor: s[key].read() }))
    return [await this.saveIterations(), ...read('m'), ...read('v')]
  }

  /** Takes tfjs Adam slots (a checkpoint): into the resources, or kept for the first update. */
  override async setWeights(weights: NamedTensor[]): Promise<void> {
    const moments = await this.extractIterations(weights)
    const count = moments.length / 2
    if (this.slots.length === count)
      moments.forEach((w, at) => this.slots[at % count]![at < count ? 'm' : 'v'].assign(w.tensor))
    else {
      tf.dispose(this.restored)
      this.restored = moments.map((w) => tf.keep(w.tensor.clone()))
    }
  }

  override dispose(): void {
    for (const s of this.slots) [s.weight, s.m, s.v].forEach((r) => r.dispose())
    this.slots = []
    tf.dispose(this.restored)
    super.dispose()
  }
}
