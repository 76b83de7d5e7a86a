/**
 * Training kernels the stock backends lack or do slowly, registered in one place: the wasm backend
 * gets UnsortedSegmentSum and Conv2DBackpropFilter, which it lacks, and a Conv2DBackpropInput made of
 * a matrix product in place of its slow one; the plain CPU backend gets a linear UnsortedSegmentSum
 * in place of its quadratic one. Each is tested against a reference.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs'
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter'
import { conv2DBackpropInputConfig } from './conv2d-backprop-input'
import { unsortedSegmentSumConfig } from './unsorted-segment-sum'

const kernels: Record<string, ((backend: string) => KernelConfig)[]> = {
  wasm: [unsortedSegmentSumConfig, conv2DBackpropFilterConfig, conv2DBackpropInputConfig],
  cpu: [unsortedSegmentSumConfig],
}

/** Registers (or replaces) this project's kernels for `backend`; safe to call more than once. */
export function registerTrainingKernels(backend: string): void {
  for (const make of kernels[backend] ?? []) {
    const config = make(backend)
    if (getKernel(config.kernelName, backend)) unregisterKernel(config.kernelName, backend)
    registerKernel(config)
  }
}
