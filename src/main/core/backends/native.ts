/**
 * What the native TensorFlow rungs run: the library's own version and the thread pools it was given.
 * TensorFlow sizes its intra-op and inter-op pools from TF_NUM_INTRAOP_THREADS and
 * TF_NUM_INTEROP_THREADS when tfjs-node creates its context (on require), else one thread per core.
 * SENTIMENT_STUDIO_THREADS=N sets both where they are not set themselves.
 */
import { availableParallelism } from 'node:os'
import type { ThreadSettings } from '../../../shared/types'

export const threadsVariable = 'SENTIMENT_STUDIO_THREADS'
const intraVariable = 'TF_NUM_INTRAOP_THREADS'
const interVariable = 'TF_NUM_INTEROP_THREADS'

/**
 * Translates SENTIMENT_STUDIO_THREADS for TensorFlow; must run before a native package loads.
 * `smallSteps` (a training job whose recurrent steps are loops of small ops issued from JavaScript,
 * `smallRecurrentSteps`): where nothing is set, one intra-op thread fewer than the cores, so that
 * TensorFlow's pool threads, which spin between ops, leave the JavaScript thread a core of its own.
 */
export function applyThreadSettings(
  env: NodeJS.ProcessEnv = process.env,
  { smallSteps = false, cores = availableParallelism() } = {},
): ThreadSettings {
  const wanted = env[threadsVariable]
  if (wanted) {
    const n = String(parseThreads(threadsVariable, wanted))
    env[intraVariable] ||= n
    env[interVariable] ||= n
  }
  const named = [env[intraVariable] && intraVariable, env[interVariable] && interVariable].filter(Boolean)
  const spare = smallSteps && !env[intraVariable] && cores > 1
  if (spare) env[intraVariable] = String(cores - 1)
  const intra = env[intraVariable]
  const inter = env[interVariable]
  const source = wanted
    ? `set by ${threadsVariable}=${wanted}`
    : named.length > 0
      ? `set by ${named.join(' and ')}`
      : spare
        ? `one intra-op thread fewer than the cores, for a recurrent model's small steps`
        : `TensorFlow's default of one per core`
  return {
    intraOp: intra ? parseThreads(intraVariable, intra) : cores,
    interOp: inter ? parseThreads(interVariable, inter) : cores,
    source,
  }
}

export function describeThreads(t: ThreadSettings): string {
  return `${t.intraOp} intra-op and ${t.interOp} inter-op threads, ${t.source}`
}

function parseThreads(variable: string, value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${variable} must be a whole number of threads from 1 up, not "${value}".`)
  return n
}

/** The libtensorflow version tfjs-node's binding reports (TF_Version), null on other backends. */
export function tensorflowVersion(backend: object): string | null {
  const binding = 'binding' in backend ? backend.binding : null
  return binding && typeof binding === 'object' && 'TF_Version' in binding && typeof binding.TF_Version === 'string'
    ? binding.TF_Version
    : null
}
