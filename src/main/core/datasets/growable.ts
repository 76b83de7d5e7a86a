/** Typed arrays that grow by doubling, so an import keeps millions of ids without JS arrays of numbers. */
type TypedCtor =
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor

export class Growable<C extends TypedCtor> {
  private data: InstanceType<C>
  length = 0

  constructor(
    private readonly ctor: C,
    capacity = 1024,
  ) {
    this.data = new ctor(capacity) as InstanceType<C>
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new this.ctor(this.data.length * 2) as InstanceType<C>
      next.set(this.data as never)
      this.data = next
    }
    this.data[this.length++] = value
  }

  at(i: number): number {
    return this.data[i]!
  }

  /** A view of the filled part (no copy). */
  view(): InstanceType<C> {
    return this.data.subarray(0, this.length) as InstanceType<C>
  }
}
