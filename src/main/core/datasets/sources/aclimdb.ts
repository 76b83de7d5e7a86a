/**
 * The Maas et al. (2011) layout: `train|test/pos|neg/<id>_<rating>.txt`, from the folder or straight
 * from aclImdb_v1.tar.gz, streamed without extracting. `train/unsup`, `*.feat` and the other files
 * of the archive are ignored.
 */
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { createGunzip } from 'node:zlib'
import { extract } from 'tar-stream'
import type { SourceSpec } from '../../../../shared/datasets'
import { entries } from './folder'
import { decodeReview, readReviewFiles, type ReviewFile } from './review-files'
import { checkedStat } from './streams'
import type { Tally } from './tally'
import { SourceError, type RawExample, type ReadContext } from './types'

export const reviewPath = /(?:^|\/)(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/

export async function listAclImdbFolder(root: string): Promise<ReviewFile[]> {
  const out: ReviewFile[] = []
  for (const split of ['train', 'test'] as const) {
    for (const label of ['neg', 'pos']) {
      const dir = join(root, split, label)
      await checkedStat(dir, 'folder').catch(() => {
        throw new SourceError(
          `${root} is not in the aclImdb layout: ${join(split, label)}/ is missing (expected train/ and test/, each with pos/ and neg/).`,
        )
      })
      const files = (await entries(dir)).files.filter((f) => reviewPath.test(`${split}/${label}/${f}`))
      if (files.length === 0) throw new SourceError(`${dir} has no reviews named <id>_<rating>.txt.`)
      files.sort((a, b) => parseInt(a) - parseInt(b))
      for (const f of files)
        out.push({
          path: join(dir, f),
          rel: `${split}/${label}/${f}`,
          label,
          split,
          rating: Number(f.match(/_(\d+)\.txt$/)![1]),
        })
    }
  }
  return out
}

export async function* readAclImdb(spec: SourceSpec, ctx: ReadContext, tally: Tally): AsyncGenerator<RawExample> {
  const path = spec.path!
  const s = await checkedStat(path, 'any')
  if (s.isDirectory()) yield* readReviewFiles(await listAclImdbFolder(path), spec.encoding, ctx, tally)
  else yield* readAclImdbArchive(path, s.size, spec, ctx, tally)
}

/** Streams the archive's entries; reviews are yielded in archive order. */
async function* readAclImdbArchive(
  path: string,
  size: number,
  spec: SourceSpec,
  ctx: ReadContext,
  tally: Tally,
): AsyncGenerator<RawExample> {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 })
  const tar = extract()
  const gz = /\.tar$/i.test(path) ? null : createGunzip()
  raw.on('error', (e) => tar.destroy(e))
  if (gz) {
    gz.on('error', (e) =>
      tar.destroy(new SourceError(`${path} looks truncated or corrupt (${e.message}); download it again.`)),
    )
    raw.pipe(gz).pipe(tar)
  } else raw.pipe(tar)
  let found = 0
  let last = 0
  try {
    for await (const entry of tar) {
      const name = entry.header.name
      const m = name.match(reviewPath)
      if (!m || entry.header.type !== 'file') {
        entry.resume()
        continue
      }
      const chunks: Buffer[] = []
      for await (const c of entry) chunks.push(c as Buffer)
      if (ctx.signal.aborted) {
        raw.destroy()
        return
      }
      if (raw.bytesRead - last > 1 << 20) {
        last = raw.bytesRead
        ctx.progress(raw.bytesRead, size, 'bytes')
      }
      const r = decodeReview(Buffer.concat(chunks), spec.encoding, tally)
      const rel = `${m[1]}/${m[2]}/${m[3]}_${m[4]}.txt`
      if ('skip' in r) {
        ctx.problem({ where: rel, message: `${r.skip}; skipped` })
        continue
      }
      found++
      yield { text: r.text, label: m[2]!, split: m[1] as 'train' | 'test', source: rel, rating: Number(m[4]) }
    }
  } catch (err) {
    if (err instanceof SourceError) throw err
    throw new SourceError(`${path} looks truncated or corrupt (${(err as Error).message}); download it again.`)
  }
  if (found === 0)
    throw new SourceError(`${path} holds no reviews in the aclImdb layout (train|test/pos|neg/<id>_<rating>.txt).`)
  ctx.progress(size, size, 'bytes')
}
