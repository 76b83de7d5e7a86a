/**
 * The main flows in the desktop window, as a user goes through them: import a dataset with the
 * wizard, train a tiny run from the form and read its test figures. Skipped with the reason where
 * no Electron can run (launch.ts). Comparing runs, scoring and predicting are covered in serve mode
 * (test/e2e/compare.spec.ts, score.spec.ts) and not yet here.
 */
import { expect, test } from '@playwright/test'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import { choose } from '../e2e/select'
import { launchApp, makeDataDir, removeDataDir, skipReason } from './launch'

test.skip(skipReason !== null, skipReason ?? '')

test('a dataset imported with the wizard trains a tiny run to its test figures', async () => {
  test.setTimeout(240_000)
  const dataDir = makeDataDir()
  try {
    const source = makeAclImdbFolder(join(dataDir, 'fixture', 'aclImdb'), 60)
    const app = await launchApp(dataDir)
    try {
      const page = await app.firstWindow()
      await page.getByTestId('import-open').click()
      await page.getByTestId('source-input').locator('input').fill(source)
      await page.getByTestId('wizard-next').click()
      await expect(page.getByTestId('detected')).toContainText('aclimdb')
      for (let step = 0; step < 4; step++) await page.getByTestId('wizard-next').click()
      await page.getByTestId('dataset-name-input').locator('input').fill('Tiny IMDB')
      await page.getByTestId('wizard-import').click()
      const row = page.getByTestId('datasets-table').locator('tr', { hasText: 'Tiny IMDB' })
      await expect(row.getByTestId('count-train')).toHaveText('96 (neg 48, pos 48)', { timeout: 60_000 })

      await page.getByTestId('nav-train').click()
      await choose(page, 'train-dataset', 'Tiny IMDB')
      await choose(page, 'train-preset', 'fastText-style bigram bag')
      await page.getByTestId('field-epochs').locator('input').fill('2')
      await page.getByTestId('field-batchSize').locator('input').fill('16')
      await page.getByTestId('train-start').click()
      // The job runs in a utilityProcess; its steps come back over IPC as run.updated events.
      await expect(page.getByTestId('run-status')).toHaveText('succeeded', { timeout: 180_000 })
      await expect(page.getByTestId('run-step')).toContainText('Step 12')
      await expect(page.getByTestId('test-accuracy')).toHaveText(/^\d+\.\d%$/)
      await expect(page.getByTestId('app-error')).toHaveCount(0)
    } finally {
      await app.close()
    }
  } finally {
    removeDataDir(dataDir)
  }
})
