/** `datasets list|show|delete`. */
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import { followJob } from '../job-progress'
import type { Output } from '../output'
import { describeDataset, importOptions, importSpecFromFlags, type FlagValues } from './import'

export const datasetsOptions = {
  ...importOptions,
  url: { type: 'string' },
  md5: { type: 'string' },
} as const

export async function datasetsCommand(
  context: AppContext,
  out: Output,
  positionals: string[],
  values: FlagValues,
): Promise<void> {
  const [action, id] = positionals
  switch (action) {
    case 'download': {
      // The download names its own source; the flags give the other settings.
      const { source: _source, ...settings } = importSpecFromFlags({ ...values, path: ['aclImdb_v1.tar.gz'] })
      out.status(`Downloading aclImdb from ${values.url ?? 'the official address'}…`)
      const job = context.datasets.startDownload({
        url: values.url as string | undefined,
        md5: values.md5 as string | undefined,
        settings,
      })
      const d = await followJob(context, job, out)
      out.result(d, () => describeDataset(d))
      return
    }
    case 'list': {
      const all = context.datasets.list()
      out.result(all, () =>
        all.length === 0
          ? 'No datasets yet: import one with `import --path P`.'
          : all
              .map(
                (d) =>
                  `${d.id}  ${d.name}  train ${d.counts.train}, val ${d.counts.val}, test ${d.counts.test}, vocabulary ${d.vocabSize}`,
              )
              .join('\n'),
      )
      return
    }
    case 'show': {
      if (!id) throw new UsageError('datasets show needs a dataset id.')
      const d = context.datasets.get(id)
      out.result(d, () => describeDataset(d))
      return
    }
    case 'delete': {
      if (!id) throw new UsageError('datasets delete needs a dataset id.')
      await context.request('datasets.delete', { id }) // the app's checks: not while a run trains on it
      out.result({ id, deleted: true }, () => `Deleted dataset ${id}.`)
      return
    }
    default:
      throw new UsageError(`datasets takes list, show ID, delete ID or download${action ? `, not "${action}"` : ''}.`)
  }
}
