/** A 2-D UMAP projection computed in a Web Worker: its progress, its points, and Cancel. */
import { onBeforeUnmount, ref, shallowRef } from 'vue'
import type { ProjectionMessage, ProjectionRequest } from '../workers/projection.worker'

export type ProjectionState = 'idle' | 'running' | 'done' | 'cancelled' | 'failed'

/** Fixed, so a run's map looks the same every time it is drawn. */
const seed = 1

export function useProjection() {
  const state = ref<ProjectionState>('idle')
  const progress = ref({ epoch: 0, epochs: 0 })
  /** x, y per input row, in the rows' order. */
  const points = shallowRef<Float32Array | null>(null)
  const error = ref<string | null>(null)
  let worker: Worker | null = null

  function stop(): void {
    worker?.terminate()
    worker = null
  }

  function start(vectors: Float32Array, dim: number): void {
    stop()
    state.value = 'running'
    progress.value = { epoch: 0, epochs: 0 }
    points.value = null
    error.value = null
    const w = new Worker(new URL('../workers/projection.worker.ts', import.meta.url), { type: 'module' })
    worker = w
    w.onmessage = (event: MessageEvent<ProjectionMessage>) => {
      const m = event.data
      if (m.type === 'progress') progress.value = { epoch: m.epoch, epochs: m.epochs }
      else {
        if (m.type === 'done') points.value = m.points
        else error.value = m.message
        state.value = m.type === 'done' ? 'done' : 'failed'
        stop()
      }
    }
    w.onerror = (event) => {
      error.value = event.message || 'The projection worker could not start.'
      state.value = 'failed'
      stop()
    }
    const request: ProjectionRequest = { vectors, dim, seed }
    w.postMessage(request, [vectors.buffer])
  }

  function cancel(): void {
    if (state.value !== 'running') return
    stop()
    state.value = 'cancelled'
  }

  onBeforeUnmount(stop)
  return { state, progress, points, error, start, cancel }
}
