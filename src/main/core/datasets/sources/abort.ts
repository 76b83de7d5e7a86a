/**
 * Readers stop on cancel by throwing an Error named 'AbortError', so a caller can never mistake a
 * cancelled read for a complete one.
 */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw Object.assign(new Error('The read was cancelled.'), { name: 'AbortError' })
}
