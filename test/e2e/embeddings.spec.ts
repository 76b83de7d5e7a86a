import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import { expect, test, type Served } from './fixtures'

/** Imports the tiny aclImdb folder and trains the fastText bag on it through the CLI; returns the run's id. */
function trainTinyRun(served: Served): string {
  const cli = (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, ['out/main/cli.js', ...args, '--json'], {
        env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: served.dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      }).toString(),
    ) as Record<string, unknown>
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 60)
  const dataset = cli('import', '--path', root, '--format', 'aclimdb', '--name', 'Tiny IMDB', '--lowercase')
  const run = cli('train', '--dataset', String(dataset.id), '--preset', 'fasttext-bigram', '--set', 'epochs=2')
  expect(run.status).toBe('succeeded')
  return String(run.id)
}

test("a finished run maps its most frequent words' vectors, projected in a worker", async ({ page, served }) => {
  test.setTimeout(120_000)
  const runId = trainTinyRun(served)
  // The bundle's vocabulary, less <pad> and <unk>: fewer words than the default 500, so all are mapped.
  const vocab = readFileSync(join(served.dataDir, 'runs', runId, 'model', 'vocab.txt'), 'utf8').split('\n')
  const words = vocab.length - 1 - 2
  expect(words).toBeGreaterThan(50)

  // A worker refused by the page's CSP or failing to load shows here (the server has no favicon).
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(err.message))
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(m.text())
  })

  await page.goto(served.url)
  await page.getByTestId('nav-runs').click()
  await page.getByTestId('run-link').first().click()
  await expect(page.getByTestId('run-status')).toHaveText('succeeded')

  const section = page.getByTestId('run-embeddings')
  await expect(section.getByTestId('embeddings-points')).toHaveText(`${words} words`, { timeout: 60_000 })
  const map = section.getByTestId('embeddings-map')
  await expect(map.locator('svg path')).toHaveCount(words) // one symbol per word
  await expect(map).toContainText('review') // a top word of the fixture, labelled on the map

  // Another count draws the map again (the tiny vocabulary fits in 200 as well).
  await section.getByText('200', { exact: true }).click()
  await expect(section.getByTestId('embeddings-points')).toHaveText(`${words} words`, { timeout: 60_000 })
  await expect(page.getByTestId('app-error')).toHaveCount(0)
  expect(problems).toEqual([])
})
