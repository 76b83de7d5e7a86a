import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import { expect, test, type Served } from './fixtures'
import { choose } from './select'

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
  await page.getByTestId('run-archive-export').click()
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

test('a grid sweep queued from the Train form becomes a group whose page ranks its runs', async ({ page, served }) => {
  test.setTimeout(300_000)
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 40)
  cli(served, 'import', '--path', root, '--format', 'aclimdb', '--name', 'Tiny IMDB')
  await page.goto(served.url)
  await page.getByTestId('nav-train').click()
  await choose(page, 'train-dataset', 'Tiny IMDB')
  await choose(page, 'train-preset', 'fastText-style bigram bag')
  await page.getByTestId('field-epochs').locator('input').fill('1')

  // Learning rate × nothing else: a 2 × 1 grid, checked as it is typed.
  const editor = page.getByTestId('sweep-editor')
  await expect(page.getByTestId('sweep-problem')).toHaveText('Choose the fields to sweep.')
  await page.getByTestId('sweep-fields').click()
  await page.locator('.n-base-select-option', { hasText: /^Learning rate$/ }).click()
  await page.keyboard.press('Escape')
  const values = editor.getByTestId('sweep-axis-learningRate').locator('input')
  await values.fill('0.01, 20')
  await expect(page.getByTestId('sweep-problem')).toContainText('learningRate: 20 is refused')
  await expect(page.getByTestId('sweep-start')).toBeDisabled()
  await values.fill('0.01, 0.05')
  await expect(page.getByTestId('sweep-count-label')).toHaveText('Queues 2 runs as one group.')
  // A random sample instead: a log range (min 0 is refused), N runs; then back to the grid.
  await page.getByTestId('sweep-mode-random').click()
  await editor.getByTestId('sweep-min').locator('input').fill('0')
  await expect(page.getByTestId('sweep-problem')).toContainText('learningRate: a log range needs a min above 0')
  await editor.getByTestId('sweep-min').locator('input').fill('0.001')
  await page.getByTestId('sweep-count').locator('input').fill('3')
  await expect(page.getByTestId('sweep-count-label')).toHaveText('Queues 3 runs as one group.')
  await page.getByTestId('sweep-mode-grid').click()
  await expect(page.getByTestId('sweep-count-label')).toHaveText('Queues 2 runs as one group.')
  await page.getByTestId('run-name').locator('input').fill('rates')
  await page.getByTestId('sweep-start').click()

  await expect(page.getByTestId('view-group')).toBeVisible({ timeout: 60_000 })
  const ranked = page.getByTestId('group-run')
  await expect(ranked).toHaveCount(2)
  await expect(page.getByTestId('group-ranking')).toContainText('rates learningRate=0.01')
  await expect(page.getByTestId('group-ranking')).toContainText('rates learningRate=0.05')
  // The page follows the queue: both finish and are ranked 1 and 2 without a reload.
  await expect(ranked.getByText('succeeded')).toHaveCount(2, { timeout: 180_000 })
  await expect(ranked.locator('td:first-child')).toHaveText(['1', '2'])
  await expect(page.getByTestId('app-error')).toHaveCount(0)
})
