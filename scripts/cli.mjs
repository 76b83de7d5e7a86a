// `npm run cli -- <command>` and `npm run serve`: build on first use or when stale, then run the CLI.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureBuilt, root } from './build.mjs'

ensureBuilt()
await import(pathToFileURL(join(root, 'out', 'main', 'cli.js')).href)
