import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { expect, test } from './fixtures'

const sections = [
  ['datasets', 'Datasets'],
  ['vectors', 'Word vectors'],
  ['train', 'Train'],
  ['runs', 'Runs'],
  ['compare', 'Compare'],
  ['score', 'Score'],
  ['info', 'Info'],
] as const

test('the shell loads through the tokened address and every section is reachable', async ({ page, served }) => {
  await page.goto(served.url)
  await expect(page.getByRole('heading', { name: 'Sentiment Studio' })).toBeVisible()
  expect(new URL(page.url()).searchParams.get('token')).toBeNull() // the token left the address bar
  for (const [name, title] of sections) {
    await page.getByTestId(`nav-${name}`).click()
    await expect(page.getByTestId(`view-${name}`)).toBeVisible()
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
  }
})

test('a dropped connection fails the request in flight with a readable message, then reconnects', async ({
  page,
  served,
}) => {
  // Sit between page and server: the first connection drops when the page asks for app.info.
  let connections = 0
  await page.routeWebSocket(/\/api\/ws$/, (ws) => {
    const n = ++connections
    const server = ws.connectToServer()
    ws.onMessage((message) => {
      if (n === 1 && String(message).includes('"app.info"')) {
        void ws.close()
        void server.close()
      } else server.send(message)
    })
  })
  await page.goto(served.url)
  await expect(page.getByTestId('connection-status')).toHaveText('connected')
  await page.getByTestId('nav-info').click()
  // One alert, however many requests were in flight when the connection dropped.
  await expect(page.getByTestId('app-error')).toHaveCount(1)
  await expect(page.getByTestId('app-error')).toContainText('Lost connection to the Sentiment Studio server')
  await expect(page.getByTestId('connection-status')).toHaveText('connected')
  expect(connections).toBe(2)
  // The new connection carries requests again.
  await page.getByTestId('detect-again').click()
  await expect(page.getByTestId('backend-row-wasm')).toContainText('yes', { timeout: 60_000 })
})

test('the Info page shows the backends found, with wasm available and the selected one', async ({ page, served }) => {
  await page.goto(served.url)
  await page.getByTestId('nav-info').click()
  // Detection loads each rung in a process of its own; libtensorflow alone takes seconds to load.
  for (const name of ['cuda', 'tensorflow', 'wasm', 'cpu'])
    await expect(page.getByTestId(`backend-row-${name}`)).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('backend-row-wasm')).toContainText('yes')
  await expect(page.getByTestId('backend-row-cpu')).toContainText('yes')
  // A built native rung (npm run native:tensorflow) shows TensorFlow's own version and its threads.
  const tensorflow = page.getByTestId('backend-row-tensorflow')
  if ((await tensorflow.textContent())?.includes('yes'))
    await expect(tensorflow).toContainText(/TensorFlow \d+\.\d+\.\d+.*intra-op/)
  const selected = (await page.getByTestId('selected-backend').textContent()) ?? ''
  const name = selected.replace(' (selected)', '')
  await expect(page.getByTestId(`backend-row-${name}`)).toContainText('yes')
  await expect(page.getByText(served.dataDir).first()).toBeVisible()
  await page.screenshot({ path: 'test-results/info.png', fullPage: true })
})

test('HTTP requests without the token, or with a wrong one, get 401', async ({ playwright, served }) => {
  const anonymous = await playwright.request.newContext()
  expect((await anonymous.get(`${served.origin}/`)).status()).toBe(401)
  expect((await anonymous.get(`${served.origin}/?token=not-the-token`)).status()).toBe(401)
  expect((await anonymous.get(`${served.origin}/index.html`)).status()).toBe(401)
  await anonymous.dispose()
})

test('a WebSocket from another Origin is refused, and one from the page origin accepted', async ({ served }) => {
  const url = `${served.origin.replace('http', 'ws')}/api/ws?token=${served.token}`
  const attempt = (origin: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers: { Origin: origin } })
      ws.once('open', () => {
        ws.close()
        resolve(101)
      })
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      ws.once('error', () => resolve(-1))
    })
  expect(await attempt('http://evil.example')).toBe(403)
  expect(await attempt(served.origin)).toBe(101)
})

test('in serve mode the path picker browses the server’s folders', async ({ page, served }) => {
  const base = join(served.dataDir, 'picker')
  mkdirSync(join(base, 'reviews', 'pos'), { recursive: true })
  writeFileSync(join(base, 'notes.txt'), 'hello')
  await page.goto(served.url)
  await page.getByTestId('import-open').click()
  await page.getByTestId('source-input').locator('input').fill(base)
  await page.getByTestId('source-browse').click()
  await expect(page.getByTestId('picker-path')).toHaveText(base)
  await expect(page.getByTestId('picker-entry')).toHaveText(['📁 reviews', '📄 notes.txt'])
  await page.getByTestId('picker-entry').filter({ hasText: 'reviews' }).click()
  await expect(page.getByTestId('picker-path')).toHaveText(join(base, 'reviews'))
  await page.getByTestId('picker-up').click()
  await expect(page.getByTestId('picker-path')).toHaveText(base)
  await page.getByTestId('picker-entry').filter({ hasText: 'reviews' }).click()
  // Opening a folder lists it first: choosing before that would choose the folder still shown.
  await expect(page.getByTestId('picker-path')).toHaveText(join(base, 'reviews'))
  await page.getByTestId('picker-choose-folder').click()
  await expect(page.getByTestId('source-input').locator('input')).toHaveValue(join(base, 'reviews'))
})
