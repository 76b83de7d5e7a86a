/**
 * Starts a job's worker thread on its entry. In the app, electron-vite builds each thread entry of
 * `electron.vite.config.ts` beside worker.js, where the job's bundled code (`dir`, its __dirname)
 * finds it; from source (tests, benchmarks) the entry is TypeScript, and a worker thread does not
 * inherit tsx's loader hooks, so it registers them itself before loading the source.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Worker, type Transferable } from 'node:worker_threads'

export function startWorkerThread(
  dir: string,
  entry: { built: string; source: string },
  workerData: unknown,
  transferList: Transferable[] = [],
): Worker {
  const built = join(dir, entry.built)
  if (existsSync(built)) return new Worker(built, { workerData, transferList })
  const tsx = createRequire(__filename).resolve('tsx/cjs')
  const source = join(dir, entry.source)
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)})`, {
    eval: true,
    workerData,
    transferList,
  })
}
