/**
 * Entry of every job process (utilityProcess in the app, child_process.fork under serve and the CLI).
 * With `--probe NAME` it is instead a one-shot backend probe that prints its result as JSON.
 */
import { jobCatalog } from '../../shared/job-catalog'
import { backendNames, type BackendName } from '../../shared/types'
import { probeFlag } from '../core/backends/detect'
import { probeBackend } from '../core/backends/probe'
import { runJobWorker } from '../core/jobs/worker-runtime'
import { jobHandlers } from './kinds'

const probeAt = process.argv.indexOf(probeFlag)
if (probeAt >= 0) {
  const name = process.argv[probeAt + 1] as BackendName
  if (!backendNames.includes(name)) {
    process.stderr.write(`Unknown backend "${name}".\n`)
    process.exit(2)
  }
  void probeBackend(name).then((result) => {
    process.stdout.write(`\n${JSON.stringify(result)}\n`, () => process.exit(0))
  })
} else {
  runJobWorker(jobCatalog, jobHandlers(__filename))
}
