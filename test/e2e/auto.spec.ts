import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { makeAclImdbFolder } from '../fixtures/dataset-files'
import { expect, test } from './fixtures'
import { choose } from './select'

test('Auto starts from the Train form and its trials table fills as they train', async ({ page, served }) => {
  test.setTimeout(300_000)
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 60)
  execFileSync(
    process.execPath,
    ['out/main/cli.js', 'import', '--path', root, '--format', 'aclimdb', '--name', 'Tiny IMDB', '--lowercase'],
    { env: { ...process.env, SENTIMENT_STUDIO_DATA_DIR: served.dataDir }, stdio: 'pipe' },
  )
  await page.goto(served.url)
  await page.getByTestId('nav-train').click()
  await choose(page, 'train-preset', 'Auto (search')
  await expect(page.getByTestId('preset-description')).toContainText('successive halving')
  await expect(page.getByTestId('param-count')).toHaveCount(0)
  await page.getByTestId('auto-budget').locator('input').fill('3')
  await page.getByTestId('train-start').click()

  await expect(page.getByTestId('view-auto')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('auto-left')).toContainText('of 3 min')
  const rows = page.getByTestId('auto-trials').locator('tbody tr')
  // The first trials are NBSVM's; each row gets its validation accuracy when it ends.
  await expect(rows.first()).toContainText('NBSVM', { timeout: 90_000 })
  await expect(rows.first()).toContainText(/\d+\.\d\d%/, { timeout: 120_000 })
  await expect(page.getByTestId('auto-best')).toContainText('Best so far')
  await expect(page.getByTestId('auto-chart').locator('canvas')).toHaveCount(1)
  await page.getByTestId('auto-cancel').click()
  await expect(page.getByTestId('auto-status')).toHaveText('cancelled', { timeout: 60_000 })
})
