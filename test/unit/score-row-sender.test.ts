/**
 * `RowSender` sends a score job's rows to main one event at a time: the first at once, the batches
 * scored while it is on its way together in the next, in order; past `maxRows` pending it waits for
 * the event in flight (bounded memory); `flush` sends the rest; a failed send is thrown, not lost.
 */
import { describe, expect, it } from 'vitest'
import type { ScoreEvent, ScoredRows } from '../../src/shared/scoring'
import { RowSender } from '../../src/main/core/scoring/row-sender'

/** n scored rows from idx `from`, as the job sends them. */
const rows = (from: number, n: number): ScoredRows => ({
  first: from,
  sources: Array.from({ length: n }, (_, i) => `${from + i}.txt`),
  snippets: new Array<string>(n).fill(''),
  labels: new Uint16Array(n).fill(1),
  truths: new Int32Array(n).fill(-1),
  probs: new Float32Array(2 * n),
  offsets: Float64Array.from({ length: n }, (_, i) => (from + i) * 10),
  lengths: new Uint32Array(n).fill(9),
})
/** The idx of every row an event carries, in order. */
const idxs = (e: ScoreEvent) => e.rows.flatMap((r) => r.sources.map((_, i) => r.first + i))
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i)

/** An emit whose deliveries the test finishes one by one, as main reading the pipe would. */
function channel() {
  const sent: ScoreEvent[] = []
  const open: { resolve: () => void; reject: (e: Error) => void }[] = []
  const emit = (e: ScoreEvent) => {
    sent.push(e)
    return new Promise<void>((resolve, reject) => open.push({ resolve, reject }))
  }
  return { sent, open, emit }
}
const tick = () => new Promise((r) => setImmediate(r))

describe('RowSender', () => {
  it('sends at once, joins the batches scored meanwhile into the next event, in order', async () => {
    const c = channel()
    const sender = new RowSender(c.emit, 1000)
    await sender.add(rows(0, 2), [])
    expect(c.sent.map((e) => idxs(e).length)).toEqual([2])
    await sender.add(rows(2, 3), [{ path: 'bad.txt', reason: 'the file is empty' }])
    await sender.add(rows(5, 4), [])
    expect(c.sent).toHaveLength(1)
    c.open[0]!.resolve()
    await tick()
    await sender.add(rows(9, 1), [])
    expect(c.sent).toHaveLength(2)
    expect(idxs(c.sent[1]!)).toEqual([2, 3, 4, 5, 6, 7, 8, 9])
    expect(c.sent[1]!.skipped).toEqual([{ path: 'bad.txt', reason: 'the file is empty' }])
    c.open[1]!.resolve()
    await sender.flush()
    expect(c.sent).toHaveLength(2)
  })

  it('waits for the event in flight once maxRows are pending, and flush sends the rest', async () => {
    const c = channel()
    const sender = new RowSender(c.emit, 10)
    await sender.add(rows(0, 1), [])
    await sender.add(rows(1, 6), [])
    let added = false
    const full = sender.add(rows(7, 6), []).then(() => (added = true))
    await tick()
    expect(added).toBe(false)
    c.open[0]!.resolve()
    await full
    expect(c.sent.map((e) => idxs(e).length)).toEqual([1, 12])
    await sender.add(rows(13, 2), [])
    const flushed = sender.flush()
    c.open[1]!.resolve()
    await tick()
    c.open[2]!.resolve()
    await flushed
    expect(c.sent.flatMap(idxs)).toEqual(range(0, 15))
  })

  it('throws a failed send from flush', async () => {
    const c = channel()
    const sender = new RowSender(c.emit, 10)
    await sender.add(rows(0, 1), [])
    c.open[0]!.reject(new Error('channel closed'))
    await expect(sender.flush()).rejects.toThrow('channel closed')
  })
})
