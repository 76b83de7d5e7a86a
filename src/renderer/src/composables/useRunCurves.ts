/**
 * A run's curves: the past thinned by `runs.history`, then every point `run.updated` brings. The
 * points live outside Vue's reactivity (100,000 reactive points would cost more than the charts);
 * `version` ticks, at most a few times a second, when they grew, and the charts re-read them then.
 */
import type { EpochMetrics, RunHistory, RunUpdate } from '@shared/training/results'
import { onBeforeUnmount, ref, shallowRef } from 'vue'
import { api } from '../api/client'
import { reportError } from './errors'
import { Points } from './points'

export interface Curves {
  loss: Points
  accuracy: Points
  learningRate: Points
  samplesPerSec: Points
  valLoss: Points
  valAccuracy: Points
  epochs: EpochMetrics[]
}

const LOG_LINES = 500
/** Redraws come less often as curves grow: a redraw of 100,000 points takes tens of milliseconds. */
const redrawMs = (points: number) => Math.max(300, points / 100)

const empty = (): Curves => ({
  loss: new Points(),
  accuracy: new Points(),
  learningRate: new Points(),
  samplesPerSec: new Points(),
  valLoss: new Points(),
  valAccuracy: new Points(),
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
    }, redrawMs(points.value))
  }

  /** Adds what is newer than what is there: events that crossed the history request repeat points. */
  function append(h: Pick<RunHistory, 'steps' | 'epochs' | 'validations'>) {
    const c = curves.value
    const afterStep = c.loss.lastX()
    for (const s of h.steps) {
      if (s.step <= afterStep) continue
      c.loss.push(s.step, s.loss)
      c.accuracy.push(s.step, s.accuracy)
      c.learningRate.push(s.step, s.learningRate)
      c.samplesPerSec.push(s.step, s.samplesPerSec)
    }
    const afterVal = c.valLoss.lastX()
    for (const v of h.validations) {
      if (v.step <= afterVal) continue
      c.valLoss.push(v.step, v.loss)
      c.valAccuracy.push(v.step, v.accuracy)
    }
    const afterEpoch = c.epochs.at(-1)?.epoch ?? -Infinity
    c.epochs.push(...h.epochs.filter((e) => e.epoch > afterEpoch))
    lastStep.value = Math.max(0, c.loss.lastX())
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
      log.value = history.log.slice(-LOG_LINES)
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
