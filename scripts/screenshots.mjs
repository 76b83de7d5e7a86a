// `node scripts/screenshots.mjs`: the README's pictures of the real app, taken in serve mode (the
// same page the desktop window shows) in Chromium, on a fresh data folder: the first run, the
// import wizard, a finished run and the Info page. Build first (`npm run build`).
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'docs', 'screenshots')
const cli = join(root, 'out', 'main', 'cli.js')
const dataDir = mkdtempSync(join(tmpdir(), 'studio-screens-'))
const env = { ...process.env, SENTIMENT_STUDIO_DATA_DIR: dataDir }

/** A small aclImdb-shaped folder: train and test, 80 reviews per class each. */
function tinyImdb(folder) {
  const words = {
    pos: ['a wonderful, moving film', 'great acting and a great story', 'brilliant and funny'],
    neg: ['a dull, boring mess', 'terrible acting and a weak plot', 'awful and far too long'],
  }
  for (const split of ['train', 'test'])
    for (const label of ['pos', 'neg']) {
      mkdirSync(join(folder, split, label), { recursive: true })
      for (let i = 0; i < 80; i++)
        writeFileSync(
          join(folder, split, label, `${i}_${label === 'pos' ? 8 : 2}.txt`),
          `${words[label][i % 3]}, review ${i}.`,
        )
    }
  return folder
}

const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--json'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
})
const url = await new Promise((resolve, reject) => {
  let text = ''
  server.stdout.on('data', (b) => {
    text += b
    if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]).url)
  })
  server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
})
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
})
try {
  mkdirSync(out, { recursive: true })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const shot = (name) => page.screenshot({ path: join(out, `${name}.png`) })
  await page.goto(url)
  await page.getByTestId('view-datasets').waitFor()
  await shot('first-run')

  const source = tinyImdb(join(dataDir, 'fixture', 'aclImdb'))
  await page.getByTestId('import-open').click()
  await page.getByTestId('source-input').locator('input').fill(source)
  await page.getByTestId('wizard-next').click()
  await page.getByTestId('preview-rows').waitFor()
  await shot('import')

  const run = (args) => JSON.parse(execFileSync(process.execPath, [cli, ...args, '--json'], { env, encoding: 'utf8' }))
  const dataset = run(['import', '--path', source, '--format', 'aclimdb', '--name', 'Tiny IMDB', '--lowercase'])
  const settings = ['--set', 'epochs=15', '--set', 'batchSize=16', '--name', 'First run']
  const trained = run(['train', '--dataset', dataset.id, '--preset', 'fasttext-bigram', ...settings])
  await page.goto(`${url.split('?')[0]}#/runs/${trained.runId}`)
  await page.getByTestId('test-accuracy').waitFor({ timeout: 60_000 })
  await page.waitForTimeout(1500) // the charts' first draw
  await shot('run')

  await page.getByTestId('nav-info').click()
  await page.getByTestId('backend-row-wasm').getByText('yes').waitFor({ timeout: 60_000 })
  await shot('info')
  process.stdout.write(`Screenshots in ${out}\n`)
} finally {
  await browser.close()
  server.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
}
