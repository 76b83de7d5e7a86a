import { defineConfig } from '@playwright/test'

// Debian's Chromium (or CHROMIUM_PATH): Playwright's own browser download is not available everywhere.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
}

export default defineConfig({
  testDir: './test',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  retries: 0,
  workers: 2,
  reporter: 'list',
  outputDir: 'test-results/playwright',
  projects: [
    {
      name: 'serve',
      testMatch: 'e2e/**/*.spec.ts',
      use: { browserName: 'chromium', headless: true, launchOptions: chromium },
    },
    { name: 'electron', testMatch: 'electron/**/*.spec.ts' },
  ],
})
