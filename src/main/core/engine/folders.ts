/**
 * A run's folders: `checkpoints/{last,best}` and `model` under `runs/<id>/`. Each is written beside
 * its final name and swapped in, so a crash mid-write leaves the previous one whole. No tfjs: main
 * asks whether a run has a checkpoint to resume.
 */
import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { diskFullError, injectedFault } from '../faults'
import { describeSystemError } from '../system-errors'

export const checkpointDir = (runDir: string, which: 'last' | 'best'): string => join(runDir, 'checkpoints', which)
export const modelDir = (runDir: string): string => join(runDir, 'model')

let folderWrites = 0

/**
 * Writes a folder's files through `fill` into a temporary sibling, then swaps it in. A write that
 * fails (a full disk) removes the half-written sibling, which also gives back its space, and leaves
 * the previous folder as it was; a system failure is thrown as one line naming the folder.
 */
export async function writeFolder(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp`
  const old = `${dir}.old`
  await rm(tmp, { recursive: true, force: true })
  try {
    await mkdir(tmp, { recursive: true })
    await fill(tmp)
    const allowed = injectedFault('folder-writes')
    if (allowed !== undefined && ++folderWrites > allowed) throw diskFullError(join(tmp, 'weights.bin'))
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => {})
    const system = describeSystemError(err, dir)
    throw system ? new Error(system, { cause: err }) : err
  }
  if (existsSync(dir)) {
    // A `.old` beside a whole folder is what a crash after the last swap left: the folder is newer.
    await rm(old, { recursive: true, force: true })
    await rename(dir, old)
  }
  await rename(tmp, dir)
  await rm(old, { recursive: true, force: true })
}

/** Removes the half-written folders a killed job left in a run's folder (its checkpoints and bundle stay). */
export async function removePartialFolders(runDir: string): Promise<void> {
  for (const dir of [checkpointDir(runDir, 'last'), checkpointDir(runDir, 'best'), modelDir(runDir)])
    await rm(`${dir}.tmp`, { recursive: true, force: true })
}

/** The folder to read: `dir`, or what a crash between the two renames left as `dir.old`. */
export function readableFolder(dir: string): string | null {
  if (existsSync(join(dir, 'model.json'))) return dir
  return existsSync(join(`${dir}.old`, 'model.json')) ? `${dir}.old` : null
}

export const hasCheckpoint = (runDir: string): boolean => readableFolder(checkpointDir(runDir, 'last')) !== null
