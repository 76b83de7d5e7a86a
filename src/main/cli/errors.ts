/** CLI failures: usage errors exit 2, everything else 1, each as one line on stderr. */
export class UsageError extends Error {
  override name = 'UsageError'
}
