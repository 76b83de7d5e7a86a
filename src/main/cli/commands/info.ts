/** `info`: version, data directory, runtimes and the tfjs backends found. */
import type { AppInfo } from '../../../shared/types'
import type { AppContext } from '../../core/app-context'
import type { Output } from '../output'

export async function infoCommand(context: AppContext, out: Output): Promise<void> {
  out.status('Detecting tfjs backends (each loads in a job process)…')
  const info = await context.info.info(true)
  out.result(info, () => formatInfo(info))
}

function formatInfo(info: AppInfo): string {
  const rows = info.backends.map(
    (b) =>
      `  ${b.name === info.selectedBackend ? '*' : ' '} ${b.name.padEnd(11)} ${b.available ? 'yes' : 'no '}  ${b.available ? (b.detail ?? '') : (b.reason ?? '')}`,
  )
  return [
    `Sentiment Studio ${info.version}`,
    `Data directory: ${info.dataDir}`,
    `Database:       ${info.dbPath} (schema ${info.schemaVersion})`,
    `Node ${info.node}${info.electron ? `, Electron ${info.electron}` : ''}, ${info.platform}-${info.arch}`,
    'Backends (* = selected):',
    ...rows,
  ].join('\n')
}
