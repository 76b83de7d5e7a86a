/** Job processes in the desktop app: Electron's utilityProcess, behind the same JobLauncher interface. */
import { utilityProcess } from 'electron'
import type { JobLauncher, JobProcess } from './core/jobs/launcher'
import type { FromWorker } from './core/jobs/protocol'

export class UtilityLauncher implements JobLauncher {
  constructor(private readonly entry: string) {}

  launch(): JobProcess {
    const child = utilityProcess.fork(this.entry, [], { stdio: 'pipe', serviceName: 'Sentiment Studio job' })
    return {
      get pid() {
        return child.pid
      },
      // utilityProcess queues messages posted before the process has spawned.
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', (m: FromWorker) => listener(m)),
      // utilityProcess reports only an exit code; a crash shows as a non-zero code.
      onExit: (listener) => child.once('exit', (code) => listener(code, null)),
      onStderr: (listener) => {
        child.stdout?.on('data', (b: Buffer) => listener(b.toString('utf8')))
        child.stderr?.on('data', (b: Buffer) => listener(b.toString('utf8')))
      },
      kill: () => {
        child.kill()
      },
    }
  }
}
