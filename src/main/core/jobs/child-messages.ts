/**
 * Messages to a job process whose channel may not be open yet or may be closing, for launchers whose
 * channel gives no write callback (Electron's utilityProcess). Held until the process has spawned,
 * dropped once it has exited, and a write that throws (a process that is ending) is dropped too:
 * the process's exit reports how its job ended. `ForkLauncher.send` does the same with Node's IPC.
 */
export class ChildMessages<M> {
  private held: M[] | null = []
  private exited = false

  constructor(
    private readonly write: (message: M) => void,
    /** Told why a write was dropped (the launcher logs it with the job's output). */
    private readonly dropped: (reason: string) => void = () => {},
  ) {}

  send(message: M): void {
    if (this.exited) return
    if (this.held) this.held.push(message)
    else this.deliver(message)
  }

  /** The process is connected: what was held goes now, in order. */
  spawned(): void {
    const held = this.held ?? []
    this.held = null
    for (const message of held) if (!this.exited) this.deliver(message)
  }

  /** The process has ended: later messages (and any still held) are dropped. */
  ended(): void {
    this.exited = true
    this.held = null
  }

  private deliver(message: M): void {
    try {
      this.write(message)
    } catch (err) {
      this.dropped(err instanceof Error ? err.message : String(err))
    }
  }
}
