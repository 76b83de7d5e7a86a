import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeAclImdbFolder, makeAclImdbTarGz } from '../fixtures/dataset-files'
import { expect, test } from './fixtures'

test('the wizard imports an aclImdb folder and the dataset is listed with its counts', async ({ page, served }) => {
  const root = makeAclImdbFolder(join(served.dataDir, 'fixture', 'aclImdb'), 10)
  await page.goto(served.url)
  await page.getByTestId('import-open').click()
  await expect(page.getByTestId('view-import')).toBeVisible()

  await page.getByTestId('source-input').locator('input').fill(root)
  await page.getByTestId('wizard-next').click()
  await expect(page.getByTestId('detected')).toContainText('aclimdb')
  await expect(page.getByTestId('preview-rows')).toContainText('train/pos/0_7.txt')

  await page.getByTestId('wizard-next').click() // labels
  await expect(page.getByTestId('label-name-pos').locator('input')).toHaveValue('pos')
  await page.getByTestId('wizard-next').click() // cleaning
  // Before: the raw review with its tags; after: tags stripped and lowercased; then the tokens.
  await expect(page.getByTestId('clean-preview')).toContainText('a dull, boring mess<br /><br />Review number 0.')
  await expect(page.getByTestId('clean-preview')).toContainText('a dull, boring mess  review number 0.')
  await expect(page.getByTestId('clean-preview')).toContainText(
    'a · dull · , · boring · mess · review · number · 0 · .',
  )
  await page.getByTestId('wizard-next').click() // vocabulary and split
  await page.getByTestId('wizard-next').click() // name and import
  await page.getByTestId('dataset-name-input').locator('input').fill('Tiny IMDB')
  await page.getByTestId('wizard-import').click()

  await expect(page.getByTestId('view-datasets')).toBeVisible({ timeout: 30_000 })
  const row = page.getByTestId('datasets-table').locator('tr', { hasText: 'Tiny IMDB' })
  await expect(row.getByTestId('count-train')).toHaveText('16 (neg 8, pos 8)')
  await expect(row.getByTestId('count-val')).toHaveText('4 (neg 2, pos 2)')
  await expect(row.getByTestId('count-test')).toHaveText('20 (neg 10, pos 10)')
})

test('the wizard gives the class shares and lengths of a whole archive ordered by class', async ({ page, served }) => {
  // Every negative review before the positive ones: the first 200 examples are all negative.
  mkdirSync(join(served.dataDir, 'fixture'), { recursive: true })
  const archive = await makeAclImdbTarGz(join(served.dataDir, 'fixture', 'ordered.tar.gz'), 300)
  await page.goto(served.url)
  await page.getByTestId('import-open').click()
  await page.getByTestId('source-input').locator('input').fill(archive)
  await page.getByTestId('wizard-next').click()
  await expect(page.getByTestId('detected')).toContainText('aclimdb')
  await page.getByTestId('wizard-next').click() // labels
  await expect(page.getByTestId('labels-basis')).toContainText('over the whole source (1,200 examples)', {
    timeout: 30_000,
  })
  await expect(page.getByText('“neg” (50')).toBeVisible()
  await expect(page.getByText('“pos” (50')).toBeVisible()
  await page.getByTestId('wizard-next').click() // cleaning
  await page.getByTestId('wizard-next').click() // vocabulary and split
  await expect(page.getByTestId('length-basis')).toContainText('Over the whole source (1,200 examples)')
})

test('the wizard shows a clear message for a folder that is not a dataset', async ({ page, served }) => {
  await page.goto(served.url)
  await page.getByTestId('import-open').click()
  await page.getByTestId('source-input').locator('input').fill(join(served.dataDir, 'no-such-folder'))
  await page.getByTestId('wizard-next').click()
  await expect(page.getByTestId('preview-error')).toContainText('does not exist; check the path.')
})

test('the wizard imports a sentiment treebank, training on its phrases by default', async ({ page, served }) => {
  const dir = join(served.dataDir, 'fixture')
  mkdirSync(dir, { recursive: true })
  // Words unique to each tree: each sentence brings its two one-word phrases.
  const trees = Array.from({ length: 10 }, (_, i) => [
    `(0 (0 bad${i}) (0 film${i}))`,
    `(4 (4 great${i}) (4 movie${i}))`,
  ])
  const path = join(dir, 'trees.txt')
  writeFileSync(path, trees.flat().join('\n') + '\n')
  await page.goto(served.url)
  await page.getByTestId('import-open').click()
  await page.getByTestId('source-input').locator('input').fill(path)
  await page.getByTestId('wizard-next').click()
  await expect(page.getByTestId('detected')).toContainText('treebank')
  await expect(page.getByTestId('phrases')).toContainText('Validation and test stay whole sentences')
  await expect(page.getByTestId('phrases').getByRole('checkbox')).toHaveAttribute('aria-checked', 'true')
  await expect(page.getByTestId('preview-rows')).toContainText('bad0 film0')
  for (let step = 0; step < 4; step++) await page.getByTestId('wizard-next').click()
  await page.getByTestId('dataset-name-input').locator('input').fill('Tiny treebank')
  await page.getByTestId('wizard-import').click()

  await expect(page.getByTestId('view-datasets')).toBeVisible({ timeout: 30_000 })
  const row = page.getByTestId('datasets-table').locator('tr', { hasText: 'Tiny treebank' })
  // 12 training sentences and their 24 phrases; validation and test are sentences.
  await expect(row.getByTestId('count-train')).toHaveText('36 (0 18, 4 18)')
  await expect(row.getByTestId('count-val')).toHaveText('4 (0 2, 4 2)')
  await expect(row.getByTestId('count-test')).toHaveText('4 (0 2, 4 2)')
})
