import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import { expect, test, type Served } from './fixtures'
import { choose } from './select'

/** Imports a tiny aclImdb folder through the CLI, on the data directory the server uses. */
function importTinyImdb(served: Served): void {
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 60)
  execFileSync(
    process.execPath,
    ['out/main/cli.js', 'import', '--path', root, '--format', 'aclimdb', '--name', 'Tiny IMDB', '--lowercase'],
    { env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: served.dataDir }, stdio: 'pipe' },
  )
}

test('a run is configured in the form, trained live and ends with its test figures', async ({ page, served }) => {
  test.setTimeout(180_000)
  importTinyImdb(served)
  await page.goto(served.url)
  await page.getByTestId('nav-train').click()

  await choose(page, 'train-dataset', 'Tiny IMDB')
  // 60 reviews per class: 96 for training, 24 for validation (the default 20%), 120 for test.
  await expect(page.getByTestId('facts-train')).toHaveText('96 (neg 48, pos 48)')
  await choose(page, 'train-preset', 'fastText-style bigram bag')
  await expect(page.getByTestId('preset-description')).toContainText('hashed bigrams')
  // The preset fitted to 96 examples, and the rule said.
  await expect(page.getByTestId('size-rules')).toContainText('96 training examples: 50 epochs, batch 16')
  await expect(page.getByTestId('field-batchSize').locator('input')).toHaveValue('16')

  // A value the schema refuses is named next to its field and blocks training.
  const epochs = page.getByTestId('field-epochs')
  await expect(epochs).toContainText('Epochs (1 to 1000)')
  await epochs.locator('input').fill('5000')
  await expect(epochs).toContainText('expected number to be <=1000')
  await expect(page.getByTestId('train-start')).toBeDisabled()
  await epochs.locator('input').fill('2')
  await page.getByTestId('field-batchSize').locator('input').fill('16')
  await expect(page.getByTestId('changed-count')).toHaveText('1 changed from the preset') // batch 16 is the rule's
  await expect(page.getByTestId('field-epochs')).toContainText('changed')
  await expect(page.getByTestId('param-count')).toContainText('parameters')

  await page.getByTestId('train-start').click()
  // The run starts once backend detection (the first of this server) has picked the backend.
  await expect(page.getByTestId('view-run')).toBeVisible({ timeout: 60_000 })
  // 96 examples in batches of 16: 6 steps an epoch, 12 in all; the counter follows them.
  await expect(page.getByTestId('run-step')).toContainText(/[1-9]\d* points/, { timeout: 90_000 })
  await expect(page.getByTestId('run-status')).toHaveText('succeeded', { timeout: 90_000 })
  await expect(page.getByTestId('run-step')).toContainText('Step 12')
  await expect(page.getByTestId('step-chart').locator('canvas')).toHaveCount(4) // loss, accuracy, rate, throughput

  await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+\.\d%$/)
  await expect(page.getByTestId('test-f1')).toHaveText(/^[01]\.\d{3}$/)
  await expect(page.getByTestId('test-auc')).toHaveText(/^[01]\.\d{3}$/)
  await expect(page.getByTestId('confusion-matrix')).toContainText('pos')
  await expect(page.getByTestId('roc-chart')).toBeVisible()

  // The Runs page lists it, linked to its page.
  await page.getByTestId('nav-runs').click()
  await expect(page.getByTestId('runs-table')).toContainText('succeeded')
  await page.getByTestId('run-link').first().click()
  await expect(page.getByTestId('view-run')).toBeVisible()
  await expect(page.getByTestId('app-error')).toHaveCount(0)
})
