// Electronegativity (Doyensec's static checker for Electron apps) over src/, part of `npm test`.
// Fails on every finding above informational that is neither fixed nor justified below, and on a
// justification that no longer matches a finding (so the list cannot go stale).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'csv-parse/sync'
import { root } from './build.mjs'

const packageName = '@doyensec/electronegativity'

/** Findings reviewed and kept, by check and file (relative to src/), each with its reason. */
const justified = [
  {
    check: 'CSP_GLOBAL_CHECK',
    file: 'main/desktop/security.ts',
    why: 'The header carries the policy that guards.ts builds (the checker cannot read a variable); desktop-guards.test.ts checks it: no inline or remote scripts, no objects, frames or forms.',
  },
  {
    check: 'CSP_GLOBAL_CHECK',
    file: 'renderer/index.html',
    why: "'unsafe-inline' styles: naive-ui injects its styles at run time; ws:/wss: in connect-src: serve mode's WebSocket (the desktop app's header policy allows 'self' only, and both must pass). Scripts stay 'self'.",
  },
  {
    check: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'main/desktop/security.ts',
    why: 'Only URLs that windowOpenHandler lets through reach openExternal: https to the hosts in guards.ts externalHosts, no credentials (desktop-guards.test.ts).',
  },
  {
    check: 'PRELOAD_JS_CHECK',
    file: 'main/desktop/window.ts',
    why: 'The preload exposes window.studio.invoke/subscribe only (contextBridge, contextIsolation and sandbox on); main refuses IPC from any frame but the page (guards.ts).',
  },
]

const require = createRequire(join(root, 'package.json'))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
// ELECTRONEGATIVITY_CLI: a copy installed elsewhere (its dist/index.js), to try it without installing here.
let cli = process.env.ELECTRONEGATIVITY_CLI
try {
  cli ??= require.resolve(`${packageName}/dist/index.js`)
} catch {
  if (pkg.devDependencies?.[packageName]) {
    console.error(`${packageName} is declared but not installed: run npm ci.`)
    process.exit(1)
  }
  console.log(`Electronegativity skipped: ${packageName} is not a devDependency yet.`)
  process.exit(0)
}

// The version decides which checks apply (without it the checker assumes 0.1.0, with `remote` on).
let electron
try {
  electron = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version
} catch {
  electron = pkg.devDependencies.electron.replace(/^[^\d]*/, '')
}
/**
 * The findings as rows of its CSV report. The checker writes the report's header and rows without
 * waiting for either, so in a fresh clone (CI) the header landed over the rows, three runs in a row:
 * `electronegativity-writes.mjs`, preloaded, makes those writes synchronous. It still runs again, up
 * to three times, before the step fails with what it read.
 */
function findings() {
  let last = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    const out = mkdtempSync(join(tmpdir(), 'electronegativity-'))
    const csv = join(out, 'findings.csv')
    try {
      // The check of available security fixes asks GitHub for Electron's releases: not offline, and the
      // installed version is what the lock file says.
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          pathToFileURL(join(root, 'scripts', 'electronegativity-writes.mjs')).href,
          cli,
          '-i',
          join(root, 'src'),
          '-o',
          csv,
          '-r',
          '-v',
          'false',
          '-e',
          electron,
          '-x',
          'AvailableSecurityFixesGlobalCheck',
        ],
        { encoding: 'utf8' },
      )
      if (r.status !== 0) {
        console.error(r.stdout, r.stderr)
        process.exit(1)
      }
      last = readFileSync(csv, 'utf8')
      return parse(last, { columns: true, trim: true })
    } catch (err) {
      console.error(`Electronegativity's report could not be read (attempt ${attempt}): ${err.message}`)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }
  console.error(`Its last report:\n${last}`)
  process.exit(1)
}
const rows = findings()

let failures = 0
const used = new Set()
for (const f of rows) {
  if (f.severity === 'INFORMATIONAL') continue
  const where = `${f.issue} ${f.severity}/${f.confidence} src/${f.filename}:${f.location}`
  const reason = justified.find((j) => j.check === f.issue && j.file === f.filename)
  if (reason) {
    used.add(reason)
    console.log(`justified  ${where}: ${reason.why}`)
  } else {
    failures++
    console.error(`FINDING    ${where}: ${f.description} (${f.url})`)
  }
}
for (const j of justified.filter((j) => !used.has(j))) {
  failures++
  console.error(`STALE      ${j.check} src/${j.file}: justified, but no longer found; remove it from the list.`)
}
console.log(`Electronegativity ${electron}: ${rows.length} findings, ${failures} unresolved.`)
process.exit(failures ? 1 : 0)
