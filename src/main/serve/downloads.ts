/**
 * Serve mode's downloads: a page cannot read the server's disk, so exports stream to the browser
 * over HTTP (`GET /downloads/scores/<id>.csv|.jsonl`, behind the same token as every request), line
 * by line from the results file, with the response's back-pressure.
 */
import type { ServerResponse } from 'node:http'
import { Readable, pipeline } from 'node:stream'
import { ApiError } from '../../shared/errors'
import type { AppContext } from '../core/app-context'

const scoreExport = /^\/downloads\/scores\/([\w-]{1,200})\.(csv|jsonl)$/

const contentTypes = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' }

/** Answers a download address and returns true, or returns false for any other path. */
export function sendDownload(context: AppContext, pathname: string, head: boolean, res: ServerResponse): boolean {
  const m = scoreExport.exec(pathname)
  if (!m) return false
  const format = m[2] as 'csv' | 'jsonl'
  let exported
  try {
    exported = context.scores.exportStream(m[1]!, format)
  } catch (err) {
    const status = err instanceof ApiError && err.code === 'not_found' ? 404 : 500
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end((err as Error).message)
    return true
  }
  res.writeHead(200, {
    'Content-Type': contentTypes[format],
    'Content-Disposition': `attachment; filename="${exported.fileName}"`,
    'Cache-Control': 'no-store',
  })
  if (head) {
    res.end()
    void exported.lines.return(undefined)
    return true
  }
  // A client that goes away ends this response (and the read), nothing more.
  pipeline(Readable.from(exported.lines), res, () => {})
  return true
}
