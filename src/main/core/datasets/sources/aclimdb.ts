/**
 * The Maas et al. (2011) layout: `train|test/pos|neg/<id>_<rating>.txt`, from the folder or straight
 * from aclImdb_v1.tar.gz, streamed without extracting. `train/unsup`, `*.feat` and the other files
 * are ignored; in an archive only the `(train|test)/(pos|neg)/<file>` tail of a name matters.
 */
import { join } from 'node:path'
import { extract, type Header } from 'tar-stream'
import type { SourceSpecOf } from '../../../../shared/datasets'
import { staysInside } from '../../security/path-policy'
import { checkAborted } from './abort'
import { entries } from './folder'
import { labelMapper } from './labels'
import { decodeReview, readReviewFiles, type ReviewFile } from './review-files'
import { checkedStat, feed, openBytes } from './streams'
import type { SourceNotes } from './notes'
import { SourceError, type RawExample, type ReadContext } from './types'

export const reviewPath = /(?:^|\/)(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/
/** A review's file name: `<id>_<rating>.txt`. */
export const reviewName = /^(\d+)_(\d+)\.txt$/

/** The review files in order: train before test, neg before pos, then by numeric id. */
export async function listAclImdbFolder(root: string): Promise<ReviewFile[]> {
  const out: ReviewFile[] = []
  for (const split of ['train', 'test'] as const) {
    for (const label of ['neg', 'pos']) {
      const dir = join(root, split, label)
      await checkedStat(dir, 'folder').catch(() => {
        throw new SourceError(
          `${root} is not in the aclImdb layout: ${split}/${label}/ is missing (expected train/ and test/, each with pos/ and neg/).`,
        )
      })
      // The folders are found by name, so a symbolic link there is followed: only within the root.
      if (!(await staysInside(dir, root)))
        throw new SourceError(
          `${dir} is a symbolic link out of ${root}; an aclImdb folder is read only inside itself (copy or move the reviews there).`,
        )
      const reviews = (await entries(dir, false)).files.flatMap((name) => {
        const m = reviewName.exec(name)
        return m ? [{ name, id: Number(m[1]), rating: Number(m[2]) }] : []
      })
      if (reviews.length === 0)
        throw new SourceError(`${dir} has no reviews named <id>_<rating>.txt; add them or choose the folder format.`)
      reviews.sort((a, b) => a.id - b.id)
      for (const { name, rating } of reviews)
        out.push({ path: join(dir, name), rel: `${split}/${label}/${name}`, label, split, rating })
    }
  }
  return out
}

export async function* readAclImdb(
  spec: SourceSpecOf<'aclimdb'>,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  const { path } = spec
  const toLabel = labelMapper(spec, 'file')
  if ((await checkedStat(path, 'any')).isDirectory()) {
    yield* readReviewFiles(await listAclImdbFolder(path), spec.encoding, toLabel, ctx, notes)
    return
  }
  let found = 0
  let reported = 0
  for await (const { header, body, read, size } of tarEntries(path)) {
    checkAborted(ctx.signal)
    if (read - reported >= 1 << 20) {
      reported = read
      ctx.progress(read, size, 'bytes')
    }
    const m = header.type === 'file' ? reviewPath.exec(header.name) : null
    if (!m) continue
    found++
    const rel = `${m[1]}/${m[2]}/${m[3]}_${m[4]}.txt`
    const skip = (message: string) => ctx.problem({ where: rel, message: `${message}; skipped` })
    notes.labels.add(m[2]!)
    const mapped = toLabel(m[2]!)
    if ('skip' in mapped) {
      skip(mapped.skip)
      continue
    }
    const r = decodeReview(await body(), spec.encoding)
    if ('skip' in r) {
      skip(r.skip)
      continue
    }
    notes.encodings.add(r.encoding)
    yield { text: r.text, label: mapped.label, split: m[1] as 'train' | 'test', source: rel, rating: Number(m[4]) }
  }
  if (found === 0)
    throw new SourceError(
      `${path} holds no reviews in the aclImdb layout (train|test/pos|neg/<id>_<rating>.txt); extract it and choose the format.`,
    )
}

/** Whether a tar archive holds aclImdb reviews, judged by its first entries. */
export async function looksLikeAclImdbArchive(path: string): Promise<boolean> {
  let seen = 0
  for await (const { header } of tarEntries(path)) {
    if (reviewPath.test(header.name)) return true
    if (++seen >= 200) return false
  }
  return false
}

interface TarEntry {
  header: Header
  /** The entry's content; an entry whose body is not asked for is skipped. */
  body(): Promise<Buffer>
  /** Compressed bytes read so far, of `size`. */
  read: number
  size: number
}

/** A tar archive's entries (plain, .gz or .bz2), streamed; leaving early closes the file. */
async function* tarEntries(path: string): AsyncGenerator<TarEntry> {
  const source = await openBytes(path)
  const tar = extract()
  const fed = feed(tar, source.chunks)
  try {
    for await (const entry of tar) {
      let consumed = false
      const body = async () => {
        consumed = true
        const chunks: Buffer[] = []
        for await (const c of entry) chunks.push(c as Buffer)
        return Buffer.concat(chunks)
      }
      yield { header: entry.header, body, read: source.read(), size: source.size }
      if (!consumed) entry.resume()
    }
  } catch (err) {
    if (err instanceof SourceError) throw err
    throw new SourceError(`${path} looks truncated or corrupt (${(err as Error).message}); download it again.`)
  } finally {
    tar.destroy()
    await fed
  }
}
