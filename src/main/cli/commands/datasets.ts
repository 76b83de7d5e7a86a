/** `datasets list|show|delete`. */
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import type { Output } from '../output'
import { describeDataset } from './import'

export async function datasetsCommand(context: AppContext, out: Output, positionals: string[]): Promise<void> {
  const [action, id] = positionals
  switch (action) {
    case 'list': {
      const all = context.datasets.list()
      out.result(all, () =>
        all.length === 0
          ? 'No datasets yet: import one with `import --path P`.'
          : all.map((d) => `${d.id}  ${d.name}  train ${d.counts.train}, val ${d.counts.val}, test ${d.counts.test}, vocabulary ${d.vocabSize}`).join('\n'),
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
      await context.datasets.delete(id)
      out.result({ id, deleted: true }, () => `Deleted dataset ${id}.`)
      return
    }
    default:
      throw new UsageError(`datasets takes list, show ID or delete ID${action ? `, not "${action}"` : ''}.`)
  }
}
