/**
 * One interface for starting job processes: Node's child_process.fork under serve and the CLI,
 * Electron's utilityProcess in the desktop app (see src/main/desktop/utility-launcher.ts).
 */
import { fork } from 'node:child_process'
import { jobEnv } from './job-env'
import type { FromWorker, ToWorker } from './protocol'

export interface JobProcess {
  readonly pid: number | undefined
  send(message: ToWorker): void
  onMessage(listener: (message: FromWorker) => void): void
  /** Called once, when the process has ended; code is null when it was killed by a signal. */
  onExit(listener: (code: number | null, signal: string | null) => void): void
  /** What the process wrote to stderr or stdout (native libraries log there); never our stdout. */
  onStderr(listener: (text: string) => void): void
  kill(): void
}

export interface JobLauncher {
  launch(): JobProcess
}

/** Forks `entry` (a built .js file, or a .ts file run through tsx in tests). */
export class ForkLauncher implements JobLauncher {
  constructor(
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  launch(): JobProcess {
    const execArgv = this.entry.endsWith('.ts') ? ['--import', 'tsx'] : []
    const child = fork(this.entry, [], {
      execArgv,
      env: jobEnv(this.env),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    })
    return {
      get pid() {
        return child.pid
      },
      send: (message) => {
        // A process that is ending can still look connected (a predictor that just went idle, say):
        // the failed write is dropped here, and onExit reports how the job ended.
        if (child.connected) child.send(message, () => {})
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as FromWorker)),
      onExit: (listener) => child.once('exit', listener),
      onStderr: (listener) => {
        // A job's stdout must not reach ours: the CLI's --json output is one document.
        child.stdout?.on('data', (b: Buffer) => listener(b.toString('utf8')))
        child.stderr?.on('data', (b: Buffer) => listener(b.toString('utf8')))
      },
      kill: () => {
        child.kill('SIGKILL')
      },
    }
  }
}
