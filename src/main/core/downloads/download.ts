/**
 * Downloads a file with progress, resume and a size and checksum check. The file appears at `dest`
 * only when complete and verified; an interrupted download keeps its `.part` for the next attempt
 * (an empty one is removed, so a failure without network leaves nothing behind).
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { IncomingMessage } from 'node:http'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DownloadRefused, guardedGet } from '../security/download-guard'

export interface DownloadOptions {
  url: string
  dest: string
  /** Expected size in bytes, when known. */
  size?: number
  md5?: string
  /** Serve mode: no loopback or link-local address, checked on every redirect and at connect time. */
  publicOnly?: boolean
  signal: AbortSignal
  progress(done: number, total: number | null): void
}

export class DownloadError extends Error {
  override name = 'DownloadError'
}

export async function download(options: DownloadOptions): Promise<{ path: string; bytes: number; resumed: boolean }> {
  const { url, dest, signal } = options
  const part = `${dest}.part`
  await mkdir(dirname(dest), { recursive: true })
  const already = await stat(dest).catch(() => null)
  if (
    already &&
    (await verify(dest, options).then(
      () => true,
      () => false,
    ))
  )
    return { path: dest, bytes: already.size, resumed: false }

  let offset = (await stat(part).catch(() => null))?.size ?? 0
  let response: IncomingMessage
  try {
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {}
    ;({ response } = await guardedGet(url, { headers, signal, publicOnly: options.publicOnly ?? false }))
  } catch (err) {
    await dropIfEmpty(part)
    if (signal.aborted) throw err
    if (err instanceof DownloadRefused) throw new DownloadError(err.message)
    const code = (err as NodeJS.ErrnoException).code
    throw new DownloadError(
      `Could not reach ${new URL(url).host} (${code ?? (err as Error).message}); check the network connection and try again.`,
    )
  }
  const status = response.statusCode ?? 0
  if (status === 416 && offset > 0) {
    // The part is already whole: the server has nothing after it.
    response.resume()
    offset = 0
  } else if (status < 200 || status > 299) {
    response.resume()
    await dropIfEmpty(part)
    throw new DownloadError(`${url} answered ${status} ${response.statusMessage ?? ''}; check the address.`)
  }
  const resumed = status === 206
  if (!resumed && status !== 416) offset = 0
  const length = Number(response.headers['content-length'] ?? NaN)
  const total = options.size ?? (Number.isFinite(length) ? length + offset : null)

  if (status !== 416) {
    let done = offset
    const counter = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        done += chunk.length
        options.progress(done, total)
        callback(null, chunk)
      },
    })
    try {
      await pipeline(response, counter, createWriteStream(part, { flags: resumed ? 'a' : 'w' }), { signal })
    } catch (err) {
      await dropIfEmpty(part)
      if (signal.aborted) throw err
      throw new DownloadError(
        `The download of ${url} broke off after ${done} bytes (${(err as Error).message}); run it again to resume.`,
      )
    }
  }
  try {
    await verify(part, options)
  } catch (err) {
    await rm(part, { force: true })
    throw err
  }
  await rename(part, dest)
  return { path: dest, bytes: (await stat(dest)).size, resumed }
}

async function verify(file: string, options: Pick<DownloadOptions, 'size' | 'md5' | 'url'>): Promise<void> {
  const { size } = await stat(file)
  if (options.size !== undefined && size !== options.size)
    throw new DownloadError(
      `${options.url} gave ${size} bytes instead of ${options.size}; the file was removed, try again.`,
    )
  if (options.md5) {
    const hash = createHash('md5')
    await pipeline(createReadStream(file), hash)
    const digest = hash.digest('hex')
    if (digest !== options.md5.toLowerCase())
      throw new DownloadError(
        `${options.url} does not match its checksum (md5 ${digest}, expected ${options.md5}); the file was removed, try again.`,
      )
  }
}

async function dropIfEmpty(file: string): Promise<void> {
  const s = await stat(file).catch(() => null)
  if (s && s.size === 0) await rm(file, { force: true })
}
