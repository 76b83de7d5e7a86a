// `npm test`: every layer in order (type check, lint, Electronegativity, build, vitest, Playwright in Chromium against
// serve mode, Playwright _electron), then one summary line with the counts of all tests.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { build, root } from './build.mjs'

const results = join(root, 'test-results')
rmSync(join(results, 'summary'), { recursive: true, force: true })
mkdirSync(join(results, 'summary'), { recursive: true })
const vitestJson = join(results, 'summary', 'vitest.json')
const playwrightJson = join(results, 'summary', 'playwright.json')
const bin = (name) => join(root, 'node_modules', '.bin', name)

const steps = [
  ['type check', () => run('npm', ['run', '-s', 'typecheck'])],
  ['lint', () => run('npm', ['run', '-s', 'lint'])],
  ['electronegativity', () => run(process.execPath, [join(root, 'scripts', 'electronegativity.mjs')])],
  ['build', () => (build(), 0)],
  [
    'vitest',
    () => run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]),
  ],
  [
    'playwright',
    () => run(bin('playwright'), ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_FILE: playwrightJson }),
  ],
]

function run(cmd, args, env = {}) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1
}

const failedSteps = []
for (const [name, step] of steps) {
  process.stdout.write(`\n=== ${name} ===\n`)
  if (step() !== 0) failedSteps.push(name)
}

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null)
const v = read(vitestJson)
const p = read(playwrightJson)
const passed = (v?.numPassedTests ?? 0) + (p?.stats.expected ?? 0) + (p?.stats.flaky ?? 0)
const failed = (v?.numFailedTests ?? 0) + (p?.stats.unexpected ?? 0)
const skipped = (v?.numPendingTests ?? 0) + (v?.numTodoTests ?? 0) + (p?.stats.skipped ?? 0)
if (failedSteps.length) process.stdout.write(`\nFailed steps: ${failedSteps.join(', ')}\n`)
process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
process.exit(failedSteps.length ? 1 : 0)
