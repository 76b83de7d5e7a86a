/** A tiny aclImdb folder imported and a fastText bag trained on it, through the CLI on a server's data directory. */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import type { Served } from './fixtures'

/** The built CLI on the server's data directory, answering JSON. */
export function cliOn(served: Served) {
  return (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, ['out/main/cli.js', ...args, '--json'], {
        env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: served.dataDir },
        encoding: 'utf8',
      }),
    )
}

/** `settings`: more `--set key=value` pairs for the training. */
export function tinyRun(served: Served, settings: string[] = []): { runId: string; root: string } {
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 40)
  const cli = cliOn(served)
  const dataset = cli('import', '--path', root, '--format', 'aclimdb', '--name', 'Tiny IMDB', '--lowercase')
  const run = cli(
    'train',
    '--dataset',
    dataset.id,
    '--preset',
    'fasttext-bigram',
    '--set',
    'epochs=8',
    '--set',
    'learningRate=0.1',
    '--backend',
    'wasm',
    ...settings.flatMap((s) => ['--set', s]),
  )
  return { runId: run.id, root }
}
