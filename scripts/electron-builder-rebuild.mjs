// electron-builder's beforeBuild hook (electron-builder.yml): rebuilds the app's native addons for
// Electron's ABI as electron-builder would (better-sqlite3 is not N-API), except tfjs-node and
// tfjs-node-gpu. Those are N-API, so the binding npm or `npm run native:tensorflow` built for Node
// loads in Electron as it is; a rebuild would run `node-pre-gyp reinstall`, which deletes it and
// downloads a prebuilt one from a host offline machines cannot reach. Returning false tells
// electron-builder that node_modules is done.
import { rebuild } from '@electron/rebuild'

const nApiModules = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']

export default async function beforeBuild({ appDir, electronVersion, platform, arch }) {
  await rebuild({
    buildPath: appDir,
    electronVersion,
    platform: platform.nodeName,
    arch,
    mode: 'sequential',
    disablePreGypCopy: true,
    ignoreModules: nApiModules,
  })
  return false
}
