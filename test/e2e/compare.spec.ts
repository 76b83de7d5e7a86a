import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import { expect, test, type Served } from './fixtures'

const cli = (served: Served, ...args: string[]) =>
  execFileSync(process.execPath, ['out/main/cli.js', ...args, '--json'], {
    env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: served.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  })

/** A tiny aclImdb dataset and two short fastText runs on it that differ in their learning rate. */
function twoRuns(served: Served): void {
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 60)
  const dataset = JSON.parse(cli(served, 'import', '--path', root, '--format', 'aclimdb', '--name', 'Tiny IMDB'))
  for (const [name, rate] of [
    ['Alpha run', '0.5'],
    ['Beta run', '0.05'],
  ])
    cli(
      served,
      'train',
      '--dataset',
      dataset.id,
      '--preset',
      'fasttext-bigram',
      '--backend',
      'cpu',
      '--name',
      name!,
      '--set',
      'epochs=2',
      '--set',
      'batchSize=16',
      '--set',
      `learningRate=${rate}`,
    )
}

test('the Runs table filters, two runs are compared, settings narrow to the differences, and McNemar speaks', async ({
  page,
  served,
}) => {
  test.setTimeout(300_000)
  twoRuns(served)
  await page.goto(served.url)
  await page.getByTestId('nav-runs').click()
  const table = page.getByTestId('runs-table')
  await expect(page.getByTestId('runs-total')).toHaveText('2 runs')

  // Free text narrows the page in SQLite; clearing it brings both back.
  await page.getByTestId('runs-search').locator('input').fill('beta')
  await expect(page.getByTestId('runs-total')).toHaveText('1 run')
  await expect(table).toContainText('Beta run')
  await expect(table).not.toContainText('Alpha run')
  await page.getByTestId('runs-search').locator('input').fill('')
  await expect(page.getByTestId('runs-total')).toHaveText('2 runs')

  // The filtered table exports as CSV, every matching run with the visible columns.
  const download = page.waitForEvent('download')
  await page.getByTestId('runs-export').click()
  const csv = readFileSync((await (await download).path())!, 'utf8').split('\r\n')
  expect(csv[0]).toMatch(/^id,Name,Status,Dataset,Model,/)
  expect(csv.filter((line) => /,(Alpha|Beta) run,succeeded,Tiny IMDB,ngram-bag,/.test(line))).toHaveLength(2)

  // A rename through the edit dialog shows in the table.
  await page.getByTestId('run-edit').first().click()
  await page.getByTestId('edit-name').locator('input').fill('Beta (slow rate)')
  await page.getByTestId('edit-save').click()
  await expect(table).toContainText('Beta (slow rate)')

  await expect(page.getByTestId('runs-compare')).toBeDisabled()
  for (const box of await page.getByTestId('run-select').all()) await box.click()
  await page.getByTestId('runs-compare').click()

  await expect(page.getByTestId('view-compare')).toBeVisible()
  await expect(page.getByTestId('step-chart').locator('canvas')).toHaveCount(1)
  const params = page.getByTestId('compare-params')
  await expect(params).toContainText('learningRate')
  await expect(params).toContainText('0.05')
  await expect(params).not.toContainText('batchSize')
  await page.getByTestId('compare-diff-only').click()
  await expect(params).toContainText('batchSize')
  await expect(params).toContainText('hashBuckets')

  await expect(page.getByTestId('compare-metrics')).toContainText('Test accuracy')
  await expect(page.getByTestId('confusion-matrix')).toHaveCount(2)
  await expect(page.getByTestId('compare-significance')).toContainText(
    /The difference between (Alpha run|Beta \(slow rate\)) and (Alpha run|Beta \(slow rate\)) is (not )?significant at 5% \(McNemar, p/,
  )

  // Repeat the first run with one more seed: it waits in the queue, trains, and the group compares as a band.
  await page.getByRole('link', { name: 'Alpha run' }).first().click()
  await expect(page.getByTestId('view-run')).toBeVisible()
  await page.getByTestId('run-seeds').locator('input').fill('1')
  await page.getByTestId('run-repeat').click()
  await expect(page.getByTestId('run-repeated')).toContainText('Queued 1 run with seeds 43')
  await page.getByTestId('nav-runs').click()
  await expect(page.getByTestId('runs-total')).toHaveText('3 runs')
  await expect(table).toContainText('Alpha run (seed 43)')
  await expect(table.getByText('succeeded')).toHaveCount(3, { timeout: 120_000 })
  await table.getByRole('link', { name: 'Alpha run (seed 43)' }).click()
  await page.getByTestId('run-group-compare').click()
  await expect(page.getByTestId('compare-bands')).toBeVisible()
  await expect(page.getByTestId('compare-group')).toContainText('mean ± 1 standard deviation of 2 repeats')
  await expect(page.getByTestId('app-error')).toHaveCount(0)
})
