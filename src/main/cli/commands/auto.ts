/** `train --preset auto --set budgetMinutes=N`: an Auto search, its trials on stderr, the winner's run as JSON. */
import { ApiError } from '../../../shared/errors'
import { autoRequestSchema, defaultBudgetMinutes, type AutoSearch } from '../../../shared/training/auto'
import type { AppContext } from '../../core/app-context'
import { UsageError } from '../errors'
import type { Output } from '../output'
import type { FlagValues } from './import'
import { runSummary } from './train'

export async function autoCommand(context: AppContext, out: Output, values: FlagValues): Promise<void> {
  let budgetMinutes = defaultBudgetMinutes
  let refit = true
  for (const raw of (values.set as string[] | undefined) ?? []) {
    const [key, value] = raw.split('=', 2).map((s) => s.trim())
    if (key === 'budgetMinutes') budgetMinutes = Number(value)
    else if (key === 'refit' && (value === 'true' || value === 'false')) refit = value === 'true'
    else
      throw new UsageError(
        `Auto chooses the settings itself; it takes only --set budgetMinutes=N and --set refit=true|false, not "${raw}".`,
      )
  }
  const request = autoRequestSchema.safeParse({
    datasetId: values.dataset,
    budgetMinutes,
    refit,
    backend: values.backend,
    name: values.name,
  })
  if (!request.success) throw new UsageError(request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0]!)
  let search: AutoSearch
  try {
    search = context.auto.start(request.data)
  } catch (err) {
    if (err instanceof ApiError && err.code === 'invalid_payload') throw new UsageError(err.message)
    throw err
  }
  out.status(`Auto search ${search.id} started: ${budgetMinutes} minutes.`)
  let said = ''
  const unsubscribe = context.on('auto.updated', (s) => {
    if (s.id !== search.id || s.phase === said) return
    said = s.phase
    const best = s.trials.find((t) => t.runId === s.bestRunId)
    out.status(`${s.phase}${best ? ` (best so far: ${best.label}, ${pct(best.validationAccuracy)} validation)` : ''}`)
  })
  const cancel = () => context.auto.cancel(search.id)
  process.once('SIGINT', cancel)
  try {
    search = await context.auto.wait(search.id)
  } finally {
    unsubscribe()
    process.off('SIGINT', cancel)
  }
  if (!search.bestRunId) throw new ApiError('failed', search.error ?? `The Auto search ${search.status}.`)
  // The tested run: the winner refit on train + validation, or the winner itself.
  const winner = context.runs.get(search.testedRunId ?? search.bestRunId)
  const trials = search.trials.map((t) => ({
    runId: t.runId,
    label: t.label,
    model: t.model,
    rung: t.rung,
    epochs: t.epochs,
    status: t.status,
    config: t.config,
    validationAccuracy: t.validationAccuracy,
  }))
  out.result(
    {
      ...runSummary(winner),
      search: {
        id: search.id,
        status: search.status,
        budgetMinutes,
        bestRunId: search.bestRunId,
        choice: search.choice,
        refit: search.refit,
      },
      trials,
    },
    () =>
      [
        `Auto ${search.status}: ${trials.length} trials; ${search.refit ? 'the best, refit on train + validation, is' : 'the best is'} ${winner.name} (${winner.id}).`,
        ...trials.map(
          (t) => `  ${pct(t.validationAccuracy).padStart(7)}  rung ${t.rung + 1}  ${t.status.padEnd(9)} ${t.label}`,
        ),
        ...(search.choice ? [search.choice] : []),
        winner.test ? `Test accuracy ${pct(winner.test.accuracy)}, F1 ${winner.test.f1.toFixed(4)}.` : 'Not tested.',
      ].join('\n'),
  )
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`)
