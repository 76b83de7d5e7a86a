/**
 * Payload fields that name something on the server's disk or network. The contract marks them here,
 * once, so a transport that must confine them (serve mode) finds every one without a list per request.
 */
import { z } from 'zod'

/** `path`: a file or folder read or written; `url`: an address a download fetches. */
export type PathFieldKind = 'path' | 'url'

export const pathFields = z.registry<{ kind: PathFieldKind }>()

/** Marks a string schema as a file or folder path. */
export function filePath<S extends z.ZodString>(schema: S): S {
  pathFields.add(schema, { kind: 'path' })
  return schema
}

/** Marks a URL schema as an address the server will fetch. */
export function fetchedUrl<S extends z.ZodType>(schema: S): S {
  pathFields.add(schema, { kind: 'url' })
  return schema
}
