import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Served } from './fixtures'
import { tinyRun } from './tiny-run'

/**
 * The tiny run, with a bad file beside its test reviews: listed as skipped, never fatal. Two epochs,
 * so that it is unsure of some reviews and sorting by probability shows (trained to the end, with its
 * refit on train + validation, it is sure of every one: all 100.0%).
 */
function tinyRunWithBadFile(served: Served): string {
  const { root } = tinyRun(served, ['epochs=2'])
  writeFileSync(join(root, 'test', 'neg', 'empty.txt'), '')
  return join(root, 'test')
}

test('a folder is scored from the page: sorted, opened, exported; one text is predicted with its words weighted', async ({
  page,
  served,
}) => {
  test.setTimeout(360_000)
  const folder = tinyRunWithBadFile(served)
  await page.goto(served.url)
  await page.getByTestId('nav-score').click()
  await expect(page.getByTestId('view-score')).toBeVisible()

  await page.getByTestId('score-path-input').locator('input').fill(folder)
  await page.getByTestId('score-start').click()
  await expect(page.getByTestId('score-counts')).toContainText('80 scored, 1 skipped', { timeout: 90_000 })
  await expect(page.getByTestId('score-skipped')).toContainText('empty.txt: the file is empty')
  await expect(page.getByTestId('score-accuracy')).toHaveText(/^\d+\.\d%$/)
  await expect(page.getByTestId('confusion-matrix')).toContainText('pos')
  await expect(page.getByTestId('score-histogram')).toBeVisible()

  // Sorted by probability: highest first on a first click on the header, lowest first on a second.
  const header = page.getByTestId('score-table').locator('th', { hasText: 'Probability' })
  const confidences = async () =>
    (await page.getByTestId('score-confidence').allTextContents()).map((t) => Number(t.replace('%', '')))
  const ordered = (c: number[], descending: boolean) =>
    c.length > 1 && c.every((v, i) => i === 0 || (descending ? c[i - 1]! >= v : c[i - 1]! <= v))
  await header.click()
  await expect.poll(async () => ordered(await confidences(), true)).toBe(true)
  const highest = (await confidences())[0]!
  await header.click()
  // Lowest first: rising, from below the highest (the tiny model is sure of most reviews).
  await expect
    .poll(async () => {
      const c = await confidences()
      return ordered(c, false) && c[0]! < highest
    })
    .toBe(true)
  await header.click()
  await header.click()
  await expect.poll(async () => ordered(await confidences(), true)).toBe(true)

  await page.getByTestId('score-row').first().click()
  await expect(page.getByTestId('score-row-text')).toContainText('Review number')
  await page.keyboard.press('Escape')

  const out = join(served.dataDir, 'export.csv')
  await page.getByTestId('score-export-path').locator('input').fill(out)
  await page.getByTestId('score-export-csv').click()
  await expect(page.getByTestId('score-exported')).toContainText('Wrote 80 rows')
  expect(existsSync(out)).toBe(true)
  expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('id,source,label,probability,p_neg,p_pos,truth,text')

  // The same export as a download streamed through the server, in both formats.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('score-download-csv').click()])
  expect(csv.suggestedFilename()).toMatch(/\.csv$/)
  const downloaded = readFileSync((await csv.path())!, 'utf8')
  expect(downloaded).toBe(readFileSync(out, 'utf8'))
  const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('score-download-jsonl').click()])
  const records = readFileSync((await jsonl.path())!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  expect(records).toHaveLength(80)
  expect(records[0]).toMatchObject({ label: expect.any(String), probabilities: { neg: expect.any(Number) } })

  await page.getByTestId('predict-text').locator('textarea').fill('a wonderful, moving film with great acting')
  await expect(page.getByTestId('predict-label')).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('predict-token').first()).toBeVisible()
  const weights = await page.getByTestId('predict-token').evaluateAll((els) => els.map((e) => Number(e.dataset.weight)))
  expect(weights.length).toBeGreaterThanOrEqual(7)
  expect(weights.some((w) => w !== 0)).toBe(true)
  await expect(page.getByTestId('app-error')).toHaveCount(0)
})
