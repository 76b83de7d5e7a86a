/**
 * Training kernels the stock backends lack or do slowly, registered in one place: the wasm backend
 * gets UnsortedSegmentSum and Conv2DBackpropFilter, which it lacks, a Conv2DBackpropInput made of a
 * matrix product in place of its slow one, Slice, Unpack and SplitV that read their input in place, and
 * BatchMatMul that transposes before multiplying instead of during, an Identity that shares the
 * data instead of copying it, and a GatherV2 that copies whole rows; the
 * plain CPU backend gets a linear UnsortedSegmentSum in place of its quadratic one; the tensorflow
 * backend gets a Step that stays in TensorFlow, matrix products as MatMul, and ReLU's gradient as
 * one ReluGrad op. Each is tested against a reference.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs'
import { batchMatMulConfig } from './batch-mat-mul'
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter'
import { conv2DBackpropInputConfig } from './conv2d-backprop-input'
import { gatherConfig } from './gather'
import { identityConfig } from './identity'
import { matMulConfig } from './mat-mul'
import { registerReluGrad } from './relu-grad'
import { sliceConfig, splitVConfig, unpackConfig } from './slice'
import { stepConfig } from './step'
import { unsortedSegmentSumConfig } from './unsorted-segment-sum'

/** Each makes a kernel for a backend, given the stock kernel it replaces (if any) to fall back on. */
type MakeKernel = (backend: string, stock?: KernelFunc) => KernelConfig

const kernels: Record<string, MakeKernel[]> = {
  wasm: [
    unsortedSegmentSumConfig,
    conv2DBackpropFilterConfig,
    conv2DBackpropInputConfig,
    sliceConfig,
    unpackConfig,
    splitVConfig,
    batchMatMulConfig,
    identityConfig,
    gatherConfig,
  ],
  cpu: [unsortedSegmentSumConfig],
  tensorflow: [stepConfig, matMulConfig],
}

/** The stock kernels replaced, kept from the first registration so a second one does not wrap ours. */
const stock = new Map<string, KernelConfig | undefined>()

/** Registers (or replaces) this project's kernels for `backend`; safe to call more than once. */
export function registerTrainingKernels(backend: string): void {
  if (backend === 'tensorflow') registerReluGrad()
  for (const make of kernels[backend] ?? []) {
    const name = make(backend).kernelName
    const key = `${backend}/${name}`
    if (!stock.has(key)) stock.set(key, getKernel(name, backend))
    const replaced = stock.get(key)
    if (getKernel(name, backend)) unregisterKernel(name, backend)
    // A wasm kernel binds its WebAssembly function in setupFunc, which the backend runs at start-up.
    registerKernel({ ...make(backend, replaced?.kernelFunc as KernelFunc | undefined), setupFunc: replaced?.setupFunc })
  }
}
