import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join } from 'node:path'
import { expect, test } from './fixtures'
import { cliOn, tinyRun } from './tiny-run'

/** Another dataset than the run's: product reviews in fastText format, labelled 1 (negative) and 2 (positive). */
const amazon = [
  '__label__2 great product, I loved it and it works',
  '__label__2 wonderful quality, brilliant value',
  '__label__1 terrible quality, it broke after a day',
  '__label__1 awful and boring manual, I hated it',
  '__label__2 great battery and a great price',
  '__label__1 a dull, weak product and far too expensive',
]

/** The exported folder over plain HTTP, as a user would serve it. */
async function serveFolder(root: string): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.mjs': 'text/javascript', '.json': 'application/json' }
  const server = createServer((req, res) => {
    const path = join(root, new URL(req.url!, 'http://x').pathname.replace(/^\/$/, '/index.html'))
    try {
      res.writeHead(200, { 'Content-Type': types[extname(path)] ?? 'application/octet-stream' })
      res.end(readFileSync(path))
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

test("a run's page lists its evaluation on another dataset; its exported page scores typed text as the app does", async ({
  page,
  browser,
  served,
}) => {
  test.setTimeout(300_000)
  // Short rows, so the bag's mean is not mostly padding and the probabilities differ from text to text.
  const { runId } = tinyRun(served, ['maxLen=24'])
  const cli = cliOn(served)
  const file = join(served.dataDir, 'amazon.ft')
  writeFileSync(file, `${amazon.join('\n')}\n`)
  const scored = cli('score', '--run', runId, '--input', file, '--label-map', '1=neg,2=pos', '--name', 'Amazon reviews')
  expect(scored.evaluation.labelled).toBe(amazon.length)

  await page.goto(served.url)
  await page.getByTestId('nav-runs').click()
  await page.getByTestId('run-link').first().click()
  await expect(page.getByTestId('run-status')).toHaveText('succeeded')
  const evaluation = page.getByTestId('run-evaluation').filter({ hasText: 'Amazon reviews' })
  await expect(evaluation).toContainText(`on ${amazon.length} labelled`)
  await expect(evaluation).toContainText('1 → neg, 2 → pos')
  await expect(evaluation.getByTestId('run-evaluation-accuracy')).toHaveText(
    `${(scored.evaluation.metrics.accuracy * 100).toFixed(1)}%`,
  )

  const out = join(served.dataDir, 'exported-model')
  await page.getByTestId('run-export-path-input').locator('input').fill(out)
  await page.getByTestId('run-export-model').click()
  await expect(page.getByTestId('run-exported')).toContainText(`Wrote 7 files to ${out}`)

  // No internet here: the page's CDN address answers with the tfjs the app itself carries.
  const { server, origin } = await serveFolder(out)
  const exported = await browser.newPage()
  await exported.route('https://cdn.jsdelivr.net/**', (route) =>
    route.fulfill({
      path: 'node_modules/@tensorflow/tfjs/dist/tf.fesm.min.js',
      contentType: 'text/javascript',
      headers: { 'Access-Control-Allow-Origin': '*' },
    }),
  )
  try {
    await exported.goto(`${origin}/index.html`)
    await expect(exported.locator('#status')).toContainText('Ready', { timeout: 60_000 })
    const seen: number[] = []
    for (const text of ['a wonderful, moving film', 'terrible acting<br /><br />and a WEAK plot', 'Zyzzyva great!']) {
      await exported.locator('#text').fill(text)
      await expect(exported.locator('#status')).toHaveAttribute('data-scored', text)
      const shown = Object.fromEntries(
        await exported
          .locator('#probabilities tr')
          .evaluateAll((rows) =>
            rows.map((r) => [r.getAttribute('data-class'), Number(r.getAttribute('data-probability'))]),
          ),
      )
      const app = cli('predict', '--run', runId, '--text', text)
      expect(Object.keys(shown).sort()).toEqual(['neg', 'pos'])
      for (const c of ['neg', 'pos'])
        expect(Math.abs(shown[c] - app.probabilities[c]), `${text}: ${c}`).toBeLessThan(1e-5)
      await expect(exported.locator('#label')).toHaveText(app.label)
      seen.push(shown.pos)
    }
    expect(Math.max(...seen) - Math.min(...seen)).toBeGreaterThan(0.01)
  } finally {
    server.close()
    await exported.close()
  }
  await expect(page.getByTestId('app-error')).toHaveCount(0)
})
