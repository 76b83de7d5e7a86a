/**
 * What readers note while reading: the encoding of each file read, and the raw label of each
 * example before mapping (what the wizard's mapping step offers).
 */
export class Counts {
  private readonly counts = new Map<string, number>()

  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
  }

  get all(): Record<string, number> {
    return Object.fromEntries(this.counts)
  }
}

export class SourceNotes {
  readonly encodings = new Counts()
  readonly labels = new Counts()
}
