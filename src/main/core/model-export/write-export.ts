/**
 * "Export model": a folder that scores text outside the app with `@tensorflow/tfjs` alone. It holds
 * the run's bundle as it is (`model.json` + weights, `preprocessing.json`, `vocab.txt`,
 * `metadata.json`), `sentiment.mjs` (the app's preprocessing and the loader, generated from
 * `sentiment.ts`) and `index.html`. Copies only: main loads no tfjs.
 */
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiError } from '../../../shared/errors'
import { writeFolder } from '../engine/folders'
import { exportPage, tfjsCdnUrl } from './page'
import { sentimentModule } from './sentiment-module'

export interface ModelExport {
  path: string
  files: string[]
}

/** A folder may be written when it is missing, empty, or an earlier export (which it replaces). */
async function refuseIfOccupied(out: string): Promise<void> {
  const info = await stat(out).catch(() => null)
  if (!info) return
  if (!info.isDirectory()) throw new ApiError('invalid_payload', `${out} is a file; choose a folder.`, 'out')
  const names = await readdir(out)
  if (names.length > 0 && !names.includes('sentiment.mjs'))
    throw new ApiError(
      'invalid_payload',
      `${out} already holds other files; choose a new or empty folder (an earlier export there is replaced).`,
      'out',
    )
}

export async function exportModel(
  bundleDir: string,
  out: string,
  run: { name: string; id: string },
): Promise<ModelExport> {
  await refuseIfOccupied(out)
  const manifest = JSON.parse(await readFile(join(bundleDir, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[] }[]
  }
  const metadata = JSON.parse(await readFile(join(bundleDir, 'metadata.json'), 'utf8')) as {
    dataset: { name: string }
    config: { model: string }
    test: { accuracy: number } | null
    versions: { tfjs: string }
  }
  const copied = [
    'model.json',
    ...manifest.weightsManifest.flatMap((g) => g.paths),
    'preprocessing.json',
    'vocab.txt',
    'metadata.json',
  ]
  const accuracy = metadata.test ? `, test accuracy ${(metadata.test.accuracy * 100).toFixed(2)}%` : ''
  const page = exportPage({
    title: run.name,
    description: `A ${metadata.config.model} model trained with Sentiment Studio on ${metadata.dataset.name}${accuracy} (run ${run.id}).`,
    tfjsUrl: tfjsCdnUrl(metadata.versions.tfjs),
  })
  await writeFolder(out, async (tmp) => {
    for (const name of copied) await copyFile(join(bundleDir, name), join(tmp, name))
    await writeFile(join(tmp, 'sentiment.mjs'), sentimentModule)
    await writeFile(join(tmp, 'index.html'), page)
  })
  return { path: out, files: [...copied, 'sentiment.mjs', 'index.html'] }
}
