/** Job processes in the desktop app: Electron's utilityProcess, behind the same JobLauncher interface. */
import { utilityProcess } from 'electron'
import type { JobLauncher, JobProcess } from '../core/jobs/launcher'
import { ChildMessages } from '../core/jobs/child-messages'
import { jobEnv } from '../core/jobs/job-env'
import type { FromWorker, ToWorker } from '../core/jobs/protocol'

export class UtilityLauncher implements JobLauncher {
  constructor(private readonly entry: string) {}

  launch(): JobProcess {
    const child = utilityProcess.fork(this.entry, [], {
      stdio: 'pipe',
      env: jobEnv(process.env),
      serviceName: 'Sentiment Studio job',
      // macOS: run from the plugin helper so a signed app may still load tfjs-node's libtensorflow.
      allowLoadingUnsignedLibraries: process.platform === 'darwin',
    })

    // Held until 'spawn': the manager sends 'start' right after launch, and whether Electron keeps a
    // message posted before the child is connected is not something to rely on. Likewise kill(),
    // which does nothing before there is a process. A write to a process that is ending is dropped
    // (its exit reports how the job ended), as ForkLauncher does.
    let spawned = false
    let killRequested = false
    let noteDropped: (text: string) => void = () => {}
    const messages = new ChildMessages<ToWorker>(
      (message) => child.postMessage(message),
      (reason) => noteDropped(`A message to the job process was dropped: ${reason}\n`),
    )
    child.once('spawn', () => {
      spawned = true
      if (killRequested) child.kill()
      else messages.spawned()
    })
    child.once('exit', () => messages.ended())

    return {
      get pid() {
        return child.pid
      },
      send: (message) => messages.send(message),
      onMessage: (listener) => child.on('message', (message: FromWorker) => listener(message)),
      // utilityProcess reports only an exit code (a crash is a non-zero one). The listener runs on the
      // next turn: Electron is still tearing the process down while it emits 'exit'.
      onExit: (listener) => child.once('exit', (code) => setImmediate(() => listener(code, null))),
      onStderr: (listener) => {
        noteDropped = listener
        // Both pipes must be read, or a chatty native library blocks the job once a pipe fills.
        child.stdout?.on('data', (b: Buffer) => listener(b.toString('utf8')))
        child.stderr?.on('data', (b: Buffer) => listener(b.toString('utf8')))
        child.on('error', (type, location) => listener(`${type} at ${location}\n`))
      },
      kill: () => {
        if (!spawned) killRequested = true
        else child.kill()
      },
    }
  }
}
