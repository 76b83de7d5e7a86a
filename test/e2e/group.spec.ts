import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import { expect, test, type Served } from './fixtures'

const cli = (served: Served, ...args: string[]) =>
  execFileSync(process.execPath, ['out/main/cli.js', ...args, '--json'], {
    env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: served.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  })

test('a sweep group ranks its runs with parallel coordinates; a run exports and imports back', async ({
  page,
  served,
}) => {
  test.setTimeout(600_000) // a 3-run sweep through the built CLI: minutes on a loaded 2-core machine
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 60)
  const dataset = JSON.parse(cli(served, 'import', '--path', root, '--format', 'aclimdb', '--name', 'Tiny IMDB'))
  const sweep = JSON.parse(
    cli(
      served,
      'sweep',
      '--dataset',
      dataset.id,
      '--preset',
      'fasttext-bigram',
      '--backend',
      'cpu',
      '--name',
      'lr',
      '--set',
      'epochs=1',
      '--set',
      'batchSize=16',
      '--grid',
      'learningRate=0.5,0.05,0.005',
    ),
  ) as { groupId: string; runs: { id: string; name: string }[] }
  expect(sweep.runs).toHaveLength(3)

  await page.goto(`${served.url.split('#')[0]}#/groups/${sweep.groupId}`)
  await expect(page.getByTestId('view-group')).toBeVisible()
  const ranked = page.getByTestId('group-run')
  await expect(ranked).toHaveCount(3)
  for (const run of sweep.runs) await expect(page.getByTestId('group-ranking')).toContainText(run.name)
  await expect(page.getByTestId('group-ranking')).toContainText('learningRate')
  await expect(page.getByTestId('parallel-chart').locator('canvas')).toHaveCount(1)
  // Ranked by the best validation loss (which differs with the rate even where accuracy ties), lowest first.
  await page.getByTestId('group-metric').click()
  await page.getByText('Best validation loss', { exact: true }).click()
  await expect(page.getByTestId('group-ranking')).toContainText('Best validation loss')
  const losses = (await ranked.locator('td:nth-child(4)').allTextContents()).map(Number)
  expect(losses).toEqual([...losses].sort((a, b) => a - b))
  await expect(page.getByTestId('group-importance')).toContainText('learningRate')

  // The best run exports from its page and imports back as a new run (its id is taken here).
  await ranked.first().getByRole('link').click()
  await expect(page.getByTestId('view-run')).toBeVisible()
  const archive = join(served.dataDir, 'best.tar.gz')
  await page.getByTestId('run-archive-path').locator('input').fill(archive)
  await page.getByTestId('run-export').click()
  await expect(page.getByTestId('run-exported')).toContainText('best.tar.gz')
  expect(existsSync(archive)).toBe(true)
  await page.getByTestId('nav-runs').click()
  await page.getByTestId('runs-archive-input').locator('input').fill(archive)
  await page.getByTestId('runs-import').click()
  await expect(page.getByTestId('view-run')).toBeVisible()
  await page.getByTestId('nav-runs').click()
  await expect(page.getByTestId('runs-total')).toHaveText('4 runs')
  await expect(page.getByTestId('app-error')).toHaveCount(0)
})
