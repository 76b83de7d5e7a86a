/**
 * A thread of the recurrent scorer (a worker thread of the scoring process): it puts a tfjs backend
 * of its own up (the scorer's), builds the layers from the spec, and runs its share of each batch
 * (the rows the scorer gives it, reading the first layer's word gates in the scorer's shared
 * memory). Built as its own entry (`out/main/recurrent-thread.js`); under tsx it runs from source.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { BackendName } from '../../../shared/types'
import { injectedFault } from '../faults'
import { useBackend } from './backend'
import { Encoder, type RecurrentSpec, type WordBlocks } from './recurrent-encoder'

export interface RecurrentThreadData {
  backend: BackendName
  spec: RecurrentSpec
}

/** A share of a batch: `n` rows, `words.at` their positions' word blocks. */
export interface RecurrentThreadRequest {
  words: WordBlocks
  n: number
}

/** 'ready' once the backend is up, then one reply per request: the rows' features, or why not. */
export type RecurrentThreadReply = 'ready' | { features: Float32Array } | { error: string }

if (parentPort) {
  const port = parentPort
  const { backend, spec } = workerData as RecurrentThreadData
  const started = useBackend(backend).then(() => new Encoder(spec))
  const crashAfter = injectedFault('recurrent-thread-requests')
  let requests = 0
  started.then(
    (encoder) => {
      port.on('message', (r: RecurrentThreadRequest) => {
        if (crashAfter !== undefined && requests++ >= crashAfter)
          throw new Error('Injected fault: the recurrent scorer thread crashes.')
        let reply: RecurrentThreadReply
        try {
          reply = { features: encoder.features(r.words, r.n) }
        } catch (err) {
          reply = { error: (err as Error).message }
        }
        port.postMessage(reply)
      })
      port.postMessage('ready' satisfies RecurrentThreadReply)
    },
    (err: Error) => port.postMessage({ error: err.message } satisfies RecurrentThreadReply),
  )
}
