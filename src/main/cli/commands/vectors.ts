/** `vectors inspect|fix-header|add|list|delete|coverage`: word-vector files and the header fix-up. */
import type { VectorInspection } from '../../../shared/vectors'
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import { followJob } from '../job-progress'
import type { Output } from '../output'
import type { FlagValues } from './import'

export const vectorsOptions = {
  member: { type: 'string' },
  out: { type: 'string' },
  remove: { type: 'boolean' },
  'drop-bad-lines': { type: 'boolean' },
  dataset: { type: 'string' },
  'case-sensitive': { type: 'boolean' },
  oov: { type: 'string' },
  seed: { type: 'string' },
} as const

export async function vectorsCommand(
  context: AppContext,
  out: Output,
  positionals: string[],
  v: FlagValues,
): Promise<void> {
  const [action, arg] = positionals
  const member = v.member as string | undefined
  const needArg = (what: string) => {
    if (!arg) throw new UsageError(`vectors ${action} needs ${what}.`)
    return arg
  }
  switch (action) {
    case 'inspect': {
      const r = await followJob(context, context.vectors.inspect({ path: needArg('a FILE'), member }), out)
      out.result(
        {
          format: r.format,
          header: r.header,
          headerMatches: r.headerMatches,
          count: r.count,
          dim: r.dim,
          member: r.member,
          consistent: r.consistent,
          problems: r.problems,
          problemCounts: r.problemCounts,
          sample: r.sample,
        },
        () => describeInspection(r),
      )
      return
    }
    case 'fix-header': {
      const job = context.vectors.fixHeader({
        path: needArg('a FILE'),
        member,
        out: v.out as string | undefined,
        remove: v.remove === true,
        dropBadLines: v['drop-bad-lines'] === true,
      })
      const r = await followJob(context, job, out)
      out.result(
        r,
        () =>
          `${r.headerLine ? `Wrote the header "${r.headerLine}"` : 'Removed the header'} into ${r.out} (${r.count} vectors of ${r.dim}${r.droppedLines ? `, ${r.droppedLines} bad lines dropped` : ''}).`,
      )
      return
    }
    case 'add': {
      const r = await followJob(context, context.vectors.add({ path: needArg('a FILE'), member }), out)
      out.result(
        r,
        () =>
          `Registered ${r.path}${r.member ? ` (${r.member})` : ''} as ${r.id}: ${r.count} vectors of ${r.dim}, ${r.format}.`,
      )
      return
    }
    case 'list': {
      const all = context.vectors.list()
      out.result(all, () =>
        all.length
          ? all.map((r) => `${r.id}  ${r.path}${r.member ? `:${r.member}` : ''}  ${r.count} × ${r.dim}`).join('\n')
          : 'No vector files yet: add one with `vectors add FILE`.',
      )
      return
    }
    case 'delete': {
      await context.vectors.delete(needArg('a vector file id'))
      out.result({ id: arg, deleted: true }, () => `Forgot vector file ${arg} (the file itself was not touched).`)
      return
    }
    case 'coverage': {
      if (typeof v.dataset !== 'string') throw new UsageError('vectors coverage needs --dataset ID.')
      const oov = (v.oov as string | undefined) ?? 'zeros'
      if (oov !== 'zeros' && oov !== 'random') throw new UsageError(`--oov takes zeros or random, not "${oov}".`)
      const job = context.vectors.embedding({
        vectorsId: needArg('a vector file id'),
        datasetId: v.dataset,
        foldCase: v['case-sensitive'] !== true,
        oov,
        seed: Number(v.seed ?? 42),
      })
      const r = await followJob(context, job, out)
      out.result(r, () =>
        [
          `Vocabulary found: ${r.vocabularyFound} of ${r.vocabularySize} (${(r.vocabularyShare * 100).toFixed(1)}%); token occurrences covered: ${(r.tokenShare * 100).toFixed(1)}%`,
          `Most frequent missing: ${r.topMissing
            .slice(0, 15)
            .map((m) => `${m.word} (${m.count})`)
            .join(', ')}`,
          `Matrix: ${r.matrixPath}`,
        ].join('\n'),
      )
      return
    }
    default:
      throw new UsageError(
        `vectors takes inspect, fix-header, add, list, delete or coverage${action ? `, not "${action}"` : ''}.`,
      )
  }
}

function describeInspection(r: VectorInspection): string {
  const header = r.header
    ? `header "${r.header.count} ${r.header.dim}" (${r.headerMatches ? 'matches' : 'does NOT match'} the file)`
    : 'no header'
  const lines = [
    `${r.format === 'glove' ? 'GloVe' : 'word2vec text'}: ${r.count} vectors of ${r.dim}, ${header}${r.consistent ? '' : '; has unusable lines'}`,
  ]
  for (const p of r.problems.slice(0, 20)) lines.push(`  line ${p.line}: ${p.message}`)
  return lines.join('\n')
}
