/**
 * A folder per label: `<root>/<class>/*` or `<root>/{train,test}/<class>/*`. Only the files directly
 * in a class folder are reviews (no recursion), hidden files are left out.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { SourceSpec } from '../../../../shared/datasets'
import { labelMapper } from './labels'
import { readReviewFiles, type ReviewFile } from './review-files'
import { checkedStat } from './streams'
import type { Tally } from './tally'
import { SourceError, type RawExample, type ReadContext } from './types'

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true })

export async function entries(dir: string): Promise<{ folders: string[]; files: string[] }> {
  const all = await readdir(dir, { withFileTypes: true })
  const visible = all.filter((e) => !e.name.startsWith('.'))
  return {
    folders: visible
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(byName),
    files: visible
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort(byName),
  }
}

/** The review files of `root`, with their classes and splits; structural problems throw. */
export async function listClassFolders(spec: SourceSpec): Promise<ReviewFile[]> {
  const root = spec.path!
  await checkedStat(root, 'folder')
  const { folders } = await entries(root)
  const splitLayout = folders.includes('train') && folders.includes('test')
  const toLabel = labelMapper(spec)
  const out: ReviewFile[] = []
  const splits: [string, RawExample['split']][] = splitLayout
    ? [
        ['train', 'train'],
        ['test', 'test'],
      ]
    : [['', null]]
  let classesSeen: string[] | null = null
  for (const [sub, split] of splits) {
    const dir = join(root, sub)
    const classes = (await entries(dir)).folders
    if (classes.length < 2)
      throw new SourceError(
        `${dir} has ${classes.length === 0 ? 'no class sub-folders' : `only one sub-folder (${classes[0]})`}; a folder dataset needs one sub-folder per class, at least two (e.g. pos/ and neg/).`,
      )
    if (classesSeen && classesSeen.join() !== classes.join())
      throw new SourceError(
        `train/ has the classes ${classesSeen.join(', ')} but test/ has ${classes.join(', ')}; make them the same.`,
      )
    classesSeen = classes
    for (const name of classes) {
      const mapped = toLabel(name)
      if ('skip' in mapped) throw new SourceError(`The class folder ${join(dir, name)}: ${mapped.skip}.`)
      const files = (await entries(join(dir, name))).files
      if (files.length === 0)
        throw new SourceError(`The class folder ${join(dir, name)} has no files; add reviews or remove the folder.`)
      for (const f of files) out.push({ path: join(dir, name, f), rel: join(sub, name, f), label: mapped.label, split })
    }
  }
  return out
}

export async function* readClassFolders(spec: SourceSpec, ctx: ReadContext, tally: Tally): AsyncGenerator<RawExample> {
  yield* readReviewFiles(await listClassFolders(spec), spec.encoding, ctx, tally)
}
