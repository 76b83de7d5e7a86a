/**
 * Faults the fault suite injects where a real one cannot be made on demand everywhere (a full disk
 * needs root for a small tmpfs). Read from `SENTIMENT_STUDIO_FAULTS`, a comma-separated list; unset
 * in normal use, so each check is a lookup in an empty map:
 * - `folder-writes=N`: the folder writes (checkpoints, bundles) after the first N of a job process
 *   fail as on a full disk, half-written;
 * - `db-pages=N`: the database may grow by N pages past its size at open (SQLite's own
 *   `max_page_count`, which then fails writes with SQLITE_FULL as a full disk does);
 * - `recurrent-thread-requests=N`: the recurrent scorer's worker thread crashes (an uncaught error)
 *   on the request after its first N;
 * - `direction-thread-requests=N`: the same for a bidirectional LSTM's second thread in training.
 */
export const faultsEnv = 'SENTIMENT_STUDIO_FAULTS'

type Fault = 'folder-writes' | 'db-pages' | 'recurrent-thread-requests' | 'direction-thread-requests'

function parse(text: string | undefined): Map<string, number> {
  const faults = new Map<string, number>()
  for (const item of (text ?? '').split(',')) {
    const [name, value] = item.split('=')
    if (name && value && Number.isInteger(Number(value))) faults.set(name.trim(), Number(value))
  }
  return faults
}

const faults = parse(process.env[faultsEnv])

/** The injected fault's number, or undefined when it is not injected. */
export function injectedFault(name: Fault): number | undefined {
  return faults.get(name)
}

/** The error Node gives when a write meets a full disk. */
export function diskFullError(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
    code: 'ENOSPC',
    syscall: 'write',
    path,
  })
}
