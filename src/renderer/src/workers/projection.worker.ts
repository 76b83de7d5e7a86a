/**
 * Projects word vectors to 2-D with UMAP, off the UI thread. Progress is posted as epochs go by;
 * the page cancels by terminating the worker, so the loop needs no cancel check.
 */
import { UMAP } from 'umap-js'
import { seededRandom } from '@shared/random'

export interface ProjectionRequest {
  /** count x dim values, row by row. */
  vectors: Float32Array
  dim: number
  seed: number
}

export type ProjectionMessage =
  | { type: 'progress'; epoch: number; epochs: number }
  | { type: 'done'; points: Float32Array }
  | { type: 'error'; message: string }

/** Unit-length rows: Euclidean neighbours of unit vectors are the cosine neighbours word vectors are judged by. */
function unitRows(values: Float32Array, dim: number): number[][] {
  const rows: number[][] = []
  for (let r = 0; r < values.length / dim; r++) {
    const row = Array.from(values.subarray(r * dim, (r + 1) * dim))
    const norm = Math.hypot(...row) || 1
    rows.push(row.map((v) => v / norm))
  }
  return rows
}

function post(message: ProjectionMessage, transfer: Transferable[] = []): void {
  postMessage(message, { transfer })
}

onmessage = (event: MessageEvent<ProjectionRequest>) => {
  try {
    const { vectors, dim, seed } = event.data
    const rows = unitRows(vectors, dim)
    const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, rows.length - 1), random: seededRandom(seed) })
    const epochs = umap.initializeFit(rows)
    let reported = 0
    for (let epoch = 1; epoch <= epochs; epoch++) {
      umap.step()
      // A message every ~100 ms is enough for a progress bar and keeps the page's queue short.
      if (epoch === epochs || performance.now() - reported > 100) {
        reported = performance.now()
        post({ type: 'progress', epoch, epochs })
      }
    }
    const points = Float32Array.from(umap.getEmbedding().flat())
    post({ type: 'done', points }, [points.buffer])
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  }
}
