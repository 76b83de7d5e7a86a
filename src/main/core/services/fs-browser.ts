/** The server-side file and folder picker used where there is no native dialog (serve mode). */
import { readdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { DirEntry, DirListing } from '../../../shared/types'
import { ApiError } from '../../../shared/errors'

export async function listDirectory(path: string | undefined, showHidden = false): Promise<DirListing> {
  const dir = resolve(path || homedir())
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read (permission denied)'
          : code === 'ENOTDIR'
            ? 'is not a folder'
            : `cannot be listed (${code})`
    throw new ApiError(code === 'ENOENT' ? 'not_found' : 'failed', `The folder ${dir} ${why}.`, 'path')
  }
  const entries = await Promise.all(
    names.filter((n) => showHidden || !n.startsWith('.')).map((name) => describeEntry(dir, name)),
  )
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1))
  const parent = dirname(dir)
  return { path: dir, parent: parent === dir ? null : parent, entries }
}

async function describeEntry(dir: string, name: string): Promise<DirEntry> {
  const path = join(dir, name)
  try {
    const s = await stat(path)
    const kind = s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other'
    return { name, path, kind, size: kind === 'file' ? s.size : null, modifiedAt: s.mtime.toISOString() }
  } catch {
    // A dangling link or an entry we may not stat is still listed, without details.
    return { name, path, kind: 'other', size: null, modifiedAt: null }
  }
}
