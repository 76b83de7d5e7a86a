/** Waits for a job, showing its progress on stderr, and fails the command if the job did not succeed. */
import type { JobRecord } from '../../shared/types'
import type { AppContext } from '../core/app-context'
import { progressLine, type Output } from './output'

export async function followJob(context: AppContext, job: Pick<JobRecord, 'id'>, out: Output): Promise<JobRecord> {
  const tty = process.stderr.isTTY
  let shown = false
  const unsubscribe = context.subscribe((name, data) => {
    const update = data as JobRecord
    if (name !== 'job.updated' || update.id !== job.id || !update.progress || update.status !== 'running') return
    const line = progressLine(update.progress)
    if (tty) process.stderr.write(`\r\x1b[2K${line}`)
    else out.status(line)
    shown = true
  })
  // Ctrl+C cancels the job (the cancel path cleans up), then the command ends.
  const cancel = () => context.jobs.cancel(job.id)
  process.once('SIGINT', cancel)
  try {
    const done = await context.jobs.wait(job.id)
    if (tty && shown) process.stderr.write('\n')
    if (done.status !== 'succeeded') throw new Error(done.error ?? `The job ended ${done.status}.`)
    return done
  } finally {
    unsubscribe()
    process.off('SIGINT', cancel)
  }
}
