import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeGlove } from '../fixtures/vector-files'
import { expect, test } from './fixtures'

test('a GloVe file is inspected and its header fixed through the page', async ({ page, served }) => {
  const file = join(served.dataDir, 'glove.test.50d.txt')
  writeGlove(file, ['the', 'movie', 'was', 'great'], 50)
  await page.goto(served.url)
  await page.getByTestId('nav-vectors').click()
  await page.getByTestId('vectors-input').locator('input').fill(file)
  await page.getByTestId('vectors-inspect').click()

  await expect(page.getByTestId('vectors-analysis')).toContainText('GloVe (no header)')
  await expect(page.getByTestId('vectors-count')).toHaveText('4')
  await expect(page.getByTestId('vectors-header')).toHaveText('none')
  await expect(page.getByTestId('fix-before')).toContainText('the ')
  await expect(page.getByTestId('fix-after')).toContainText('4 50')

  const out = join(served.dataDir, 'glove.test.50d.w2v.txt')
  await expect(page.getByTestId('fix-out').locator('input')).toHaveValue(out)
  await page.getByTestId('fix-header').click()
  await expect(page.getByTestId('fix-done')).toContainText(`Wrote “4 50” into ${out}`)
  // The page re-inspects the new file: now word2vec text with a header that matches.
  await expect(page.getByTestId('vectors-header')).toHaveText('“4 50” — matches the file')
  expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('4 50')
  expect(readFileSync(file, 'utf8').split('\n')[0]).toMatch(/^the /)
})
