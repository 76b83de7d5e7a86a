/** Counts of what was detected per file (encodings), for the import's summary. */
export class Tally {
  private readonly counts: Record<string, number> = {}

  note(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1
  }

  get all(): Record<string, number> {
    return { ...this.counts }
  }
}
