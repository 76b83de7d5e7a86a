/** "Export model": what the export wrote (the request is `runs.exportModel` in the contract). */
export interface ModelExport {
  /** The folder written. */
  path: string
  /** Its files: the bundle's, `sentiment.mjs` and `index.html`. */
  files: string[]
}
