/**
 * A run's curves: the past thinned by `runs.history`, then every point `run.updated` brings. The
 * points live in plain arrays (100,000 reactive tuples would cost more than the charts); `version`
 * ticks, at most a few times a second, when they grew, and the charts re-read them then.
 */
import type { EpochMetrics, RunHistory, RunUpdate } from '@shared/training'
import { onBeforeUnmount, ref, shallowRef } from 'vue'
import { api } from '../api/client'
import { reportError } from './errors'

export type Point = [number, number]

export interface Curves {
  loss: Point[]
  accuracy: Point[]
  learningRate: Point[]
  samplesPerSec: Point[]
  valLoss: Point[]
  valAccuracy: Point[]
  epochs: EpochMetrics[]
}

const LOG_LINES = 500
const REDRAW_MS = 300

const empty = (): Curves => ({
  loss: [],
  accuracy: [],
  learningRate: [],
  samplesPerSec: [],
  valLoss: [],
  valAccuracy: [],
  epochs: [],
})

export function useRunCurves(runId: () => string) {
  const curves = shallowRef<Curves>(empty())
  const version = ref(0)
  const lastStep = ref(0)
  const points = ref(0)
  const log = ref<string[]>([])
  let pending: RunUpdate[] | null = null
  let timer: ReturnType<typeof setTimeout> | undefined

  function redraw() {
    timer ??= setTimeout(() => {
      timer = undefined
      version.value++
    }, REDRAW_MS)
  }

  /** Adds what is newer than what is there: events that crossed the history request repeat points. */
  function append(h: Pick<RunHistory, 'steps' | 'epochs' | 'validations'>) {
    const c = curves.value
    const afterStep = c.loss.at(-1)?.[0] ?? -Infinity
    for (const s of h.steps) {
      if (s.step <= afterStep) continue
      c.loss.push([s.step, s.loss])
      c.accuracy.push([s.step, s.accuracy])
      c.learningRate.push([s.step, s.learningRate])
      c.samplesPerSec.push([s.step, s.samplesPerSec])
    }
    const afterVal = c.valLoss.at(-1)?.[0] ?? -Infinity
    for (const v of h.validations) {
      if (v.step <= afterVal) continue
      c.valLoss.push([v.step, v.loss])
      c.valAccuracy.push([v.step, v.accuracy])
    }
    const afterEpoch = c.epochs.at(-1)?.epoch ?? -Infinity
    c.epochs.push(...h.epochs.filter((e) => e.epoch > afterEpoch))
    lastStep.value = c.loss.at(-1)?.[0] ?? 0
    points.value = c.loss.length
    redraw()
  }

  function onUpdate(u: RunUpdate) {
    if (u.runId !== runId()) return
    if (pending) return void pending.push(u)
    append(u)
    if (u.log.length) log.value = [...log.value, ...u.log].slice(-LOG_LINES)
  }

  /** (Re)reads the history, e.g. after a resume, keeping the events that arrive meanwhile. */
  async function load() {
    pending = []
    log.value = []
    try {
      const history = await api.invoke('runs.history', { id: runId(), maxSteps: 5000 })
      curves.value = empty()
      append(history)
    } catch (err) {
      reportError(err)
    } finally {
      const queued = pending ?? []
      pending = null
      queued.forEach(onUpdate)
    }
  }

  const stop = api.subscribe('run.updated', onUpdate)
  onBeforeUnmount(() => {
    stop()
    clearTimeout(timer)
  })

  return { curves, version, lastStep, points, log, load }
}
