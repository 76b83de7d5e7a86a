/**
 * A thread of the bag trainer (a worker thread of the train job's process): it pools its share of
 * each batch's examples and computes and applies the table's gradient for its share of the rows,
 * in the shared memory `bag-kernels.ts` describes, when the trainer asks. Built as its own entry
 * (`out/main/bag-thread.js`); under tsx (tests, the bench) it runs from source.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { poolExamples, RowShare, type BagMemory } from './bag-kernels'
import type { TableOptimizer } from './embedding-table'

/** What the trainer sends each thread: its share, the memory and the optimizer. */
export interface BagThreadData {
  memory: BagMemory
  tableRows: number
  part: number
  parts: number
  optimizer: TableOptimizer
}

/** One request: pool examples [r0, r1); the gradient of this share over n examples; apply it. */
export type BagThreadRequest =
  | { kind: 'pool'; r0: number; r1: number }
  | { kind: 'gradient'; n: number }
  | { kind: 'apply'; scale: number; lr: number; t: number }

if (parentPort) {
  const port = parentPort
  const { memory, tableRows, part, parts, optimizer } = workerData as BagThreadData
  const share = new RowShare(tableRows, memory.dim, part, parts)
  port.on('message', (r: BagThreadRequest) => {
    if (r.kind === 'pool') {
      poolExamples(memory, r.r0, r.r1)
      port.postMessage(0)
    } else if (r.kind === 'gradient') port.postMessage(share.accumulate(memory, r.n))
    else {
      share.apply(memory, optimizer, r.scale, r.lr, r.t)
      port.postMessage(0)
    }
  })
}
