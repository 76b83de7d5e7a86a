/** Plain data shapes that cross the contract. No Node, no DOM. */

export const backendNames = ['cuda', 'tensorflow', 'wasm', 'cpu'] as const
export type BackendName = (typeof backendNames)[number]

export interface BackendStatus {
  name: BackendName
  available: boolean
  /** Why it is not available (null when it is). */
  reason: string | null
  /** What was found when it is: device, threads, SIMD. */
  detail: string | null
  /** The library that runs the math, when available: "TensorFlow 2.21.0", "tfjs 4.22.0". */
  version: string | null
  /** The threads it computes with, when available: "2 intra-op and 2 inter-op threads, …". */
  threads: string | null
}

/** TensorFlow's thread pools on the native rungs. */
export interface ThreadSettings {
  intraOp: number
  interOp: number
  /** Where the numbers come from, for the log and the Info page. */
  source: string
}

/** What backend detection found, and the best backend that works. */
export interface Detection {
  backends: BackendStatus[]
  selectedBackend: BackendName
}

export interface AppInfo {
  version: string
  dataDir: string
  dbPath: string
  schemaVersion: number
  node: string
  electron: string | null
  platform: string
  arch: string
  backends: BackendStatus[]
  selectedBackend: BackendName
  detectedAt: string
}

export interface Capabilities {
  transport: 'electron' | 'serve'
  nativeDialogs: boolean
  homeDir: string
  dataDir: string
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted'

export interface JobProgress {
  done: number
  total: number | null
  /** What is counted: files, bytes, steps, backends... */
  unit: string
  message: string | null
  /** Items per second over the job so far. */
  rate: number | null
  etaMs: number | null
}

/** A job as stored and sent; `JobOf<kind>` (shared/job-catalog.ts) types its params and result. */
export interface JobRecord<K extends string = string, P = unknown, R = unknown> {
  id: string
  kind: K
  status: JobStatus
  params: P
  progress: JobProgress | null
  /** Set once the job has succeeded. */
  result: R | null
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

export interface DirEntry {
  name: string
  path: string
  kind: 'file' | 'folder' | 'other'
  size: number | null
  modifiedAt: string | null
}

export interface DirListing {
  path: string
  parent: string | null
  entries: DirEntry[]
}
