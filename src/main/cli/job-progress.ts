/** Waits for a job, showing its progress on stderr, and fails the command if the job did not succeed. */
import { resultOf, type JobKind, type JobOf, type JobResult } from '../../shared/job-catalog'
import type { AppContext } from '../core/app-context'
import { progressLine, type Output } from './output'

/** The job's result once it has succeeded; its error, thrown, otherwise. */
export async function followJob<K extends JobKind>(
  context: AppContext,
  job: Pick<JobOf<K>, 'id' | 'kind'>,
  out: Output,
): Promise<JobResult<K>> {
  const tty = process.stderr.isTTY
  let shown = false
  const unsubscribe = context.on('job.updated', (update) => {
    if (update.id !== job.id || !update.progress || update.status !== 'running') return
    const line = progressLine(update.progress)
    if (tty) process.stderr.write(`\r\x1b[2K${line}`)
    else out.status(line)
    shown = true
  })
  // Ctrl+C cancels the job (the cancel path cleans up), then the command ends.
  const cancel = () => context.jobs.cancel(job.id)
  process.once('SIGINT', cancel)
  try {
    const done = await context.jobs.finished(job)
    if (tty && shown) process.stderr.write('\n')
    return resultOf(done)
  } finally {
    unsubscribe()
    process.off('SIGINT', cancel)
  }
}
