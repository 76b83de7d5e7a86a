// `npm start`: build if needed, then launch the desktop app; where no Electron binary is installed,
// say so and start serve mode instead.
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ensureBuilt, root } from './build.mjs'
import { electronBinary } from './electron-native-path.mjs'

ensureBuilt()
const electron = electronBinary(root)
if (!electron) {
  process.stderr.write(
    'No Electron binary is installed (its download was skipped or failed), so Sentiment Studio starts in serve mode: ' +
      'open the address below in a browser; to get the desktop app, run `node node_modules/electron/install.js` with network access.\n',
  )
  process.argv = [process.argv[0], join(root, 'out', 'main', 'cli.js'), 'serve', ...process.argv.slice(2)]
  await import(pathToFileURL(join(root, 'out', 'main', 'cli.js')).href)
} else {
  const native = spawnSync(process.execPath, [join(root, 'scripts', 'electron-native.mjs')], { stdio: 'inherit' })
  if (native.status !== 0) process.exit(native.status ?? 1)
  const app = spawn(electron, [root, ...process.argv.slice(2)], { stdio: 'inherit' })
  app.on('exit', (code) => process.exit(code ?? 0))
}
