/**
 * The `detect-backends` job: probes each backend of the ladder in a process of its own and picks the
 * best that works. Runs inside a job process; each probe is a further child of it.
 */
import { fork } from 'node:child_process'
import { backendNames, type BackendName, type BackendStatus, type Detection } from '../../../shared/types'
import type { JobContext } from '../jobs/worker-runtime'
import { explainNoGpu } from './explain'
import type { ProbeResult } from './probe'

export const probeFlag = '--probe'
const probeTimeoutMs = 120_000

/** The first available backend in ladder order; cpu always loads with tfjs. */
export function selectBackend(backends: BackendStatus[]): BackendName {
  return backendNames.find((n) => backends.some((b) => b.name === n && b.available)) ?? 'cpu'
}

export function detectBackendsJob(workerEntry: string) {
  return async (_params: object, ctx: JobContext<'backends'>): Promise<Detection> => {
    // All probes at once: each is mostly a process loading a library, so the wait is the slowest
    // probe's rather than the sum (libtensorflow alone takes seconds to load).
    let done = 0
    ctx.progress(0, backendNames.length, 'backends', `Loading ${backendNames.join(', ')}…`)
    const backends = await Promise.all(
      backendNames.map(async (name) => {
        const status = await runProbe(workerEntry, name, ctx.signal)
        ctx.progress(++done, backendNames.length, 'backends', `${name} checked`)
        return status
      }),
    )
    ctx.throwIfCancelled()
    return { backends, selectedBackend: selectBackend(backends) }
  }
}

function runProbe(entry: string, name: BackendName, signal: AbortSignal): Promise<BackendStatus> {
  return new Promise((resolve) => {
    const child = fork(entry, [probeFlag, name], {
      // Under Electron's utilityProcess, execPath is Electron itself: make it behave as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', TF_CPP_MIN_LOG_LEVEL: '0' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      signal,
      timeout: probeTimeoutMs,
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()))
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)))
    child.on('error', () => {}) // the exit handler reports abort and timeout
    child.on('exit', (code, sig) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      let result: ProbeResult | null = null
      try {
        result = JSON.parse(line) as ProbeResult
      } catch {
        result = null
      }
      if (!result) {
        const how = sig ? `was stopped (${sig})` : `exited with code ${code}`
        const last = stderr.trim().split('\n').pop()
        resolve({
          name,
          available: false,
          reason: `Loading ${name} crashed: the probe ${how}${last ? `: ${last}` : ''}`,
          detail: null,
          version: null,
          threads: null,
        })
        return
      }
      const { gpu, ...status } = result
      if (name === 'cuda' && status.available && !gpu)
        resolve({ name, available: false, reason: explainNoGpu(stderr), detail: null, version: null, threads: null })
      else resolve({ ...status, name })
    })
  })
}
