/**
 * A growing curve as x, y pairs in one Float64Array: ECharts copies a flat typed array into its
 * storage in one loop, where 100,000 [x, y] tuples cost an allocation and a parse each.
 */
export class Points {
  private data = new Float64Array(2048)
  length = 0

  push(x: number, y: number): void {
    if (2 * this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[2 * this.length] = x
    this.data[2 * this.length + 1] = y
    this.length++
  }

  /** The x of the last point, or -Infinity when empty. */
  lastX(): number {
    return this.length ? this.data[2 * this.length - 2]! : -Infinity
  }

  /** x0, y0, x1, y1, … as ECharts takes a series' data: a view of the points so far (pushes only add past its end). */
  flat(): Float64Array {
    return this.data.subarray(0, 2 * this.length)
  }
}
