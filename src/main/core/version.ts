/** The app's version, from package.json at build time. */
import pkg from '../../../package.json'

export const appVersion: string = pkg.version
