/** The AppContext the CLI's commands share, with job processes forked from the built worker. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createAppContext, type AppContext } from '../core/app-context'
import { ForkLauncher } from '../core/jobs/launcher'
import { resolveDataDir } from '../core/paths'
import type { PathPolicy } from '../core/security/path-policy'

/** The job-process entry beside this file: out/main/worker.js when built, worker/index.ts under tsx. */
export function workerEntry(): string {
  const built = join(__dirname, 'worker.js')
  return existsSync(built) ? built : join(__dirname, '..', 'worker', 'index.ts')
}

export function openContext(
  dataDir: string | undefined,
  transport: 'serve' | 'cli',
  pathPolicy?: (dataDir: string) => PathPolicy,
): AppContext {
  const dir = resolveDataDir(dataDir)
  const context = createAppContext({
    dataDir: dir,
    pathPolicy: pathPolicy?.(dir),
    readOnlyFallback: true,
    launcher: new ForkLauncher(workerEntry()),
    transport,
  })
  if (context.readOnly)
    process.stderr.write(
      `Warning: ${context.readOnly} Showing the history read-only; commands that change it will fail.\n`,
    )
  return context
}
