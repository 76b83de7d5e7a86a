/**
 * A folder per label: `<root>/<class>/*` or `<root>/{train,test}/<class>/*` (then both with the same
 * classes). Only the files directly in a class folder are reviews (no recursion, so a stray nested
 * folder is not read as part of a class); hidden files and folders are left out.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { SourceSpecOf } from '../../../../shared/datasets'
import { labelMapper } from './labels'
import { readReviewFiles, type ReviewFile } from './review-files'
import { checkedStat } from './streams'
import type { SourceNotes } from './notes'
import { SourceError, type RawExample, type ReadContext } from './types'

// One collator for all comparisons: localeCompare with options builds one per call (slow for 12,500 names).
const byName = new Intl.Collator('en', { numeric: true }).compare

/**
 * The visible sub-folders and regular files of `dir`, in natural order (2 before 10) unless `sorted`
 * is false. Symbolic links are neither: a walk never follows one out of the folder a request named
 * (serve mode's roots) or round in a loop.
 */
export async function entries(dir: string, sorted = true): Promise<{ folders: string[]; files: string[] }> {
  const folders: string[] = []
  const files: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue
    if (e.isDirectory()) folders.push(e.name)
    else if (e.isFile()) files.push(e.name)
  }
  if (sorted) {
    folders.sort(byName)
    files.sort(byName)
  }
  return { folders, files }
}

/** The review files of `root`, with their classes and splits; structural problems throw. */
export async function listClassFolders(spec: SourceSpecOf<'folder'>): Promise<ReviewFile[]> {
  const root = spec.path
  await checkedStat(root, 'folder')
  const { folders } = await entries(root)
  const splitLayout = folders.includes('train') && folders.includes('test')
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
      const files = (await entries(join(dir, name))).files
      if (files.length === 0)
        throw new SourceError(
          `The class folder ${join(dir, name)} has no files (only files directly inside are read); add reviews or remove the folder.`,
        )
      for (const f of files) out.push({ path: join(dir, name, f), rel: join(sub, name, f), label: name, split })
    }
  }
  return out
}

export async function* readClassFolders(
  spec: SourceSpecOf<'folder'>,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  yield* readReviewFiles(await listClassFolders(spec), spec.encoding, labelMapper(spec, 'file'), ctx, notes)
}
