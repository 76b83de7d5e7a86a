/** Desktop notifications for runs that end while the window is hidden. */
import type { RunRecord } from '@shared/training/results'
import { percent } from '../format'

const supported = () => typeof Notification !== 'undefined'

/** Asked when the user starts a run, the moment a notification becomes useful, and only once. */
export function askNotificationPermission(): void {
  if (supported() && Notification.permission === 'default') void Notification.requestPermission().catch(() => {})
}

export function notifyRunEnded(run: RunRecord): void {
  if (!document.hidden || !supported() || Notification.permission !== 'granted') return
  const figures = run.test ? `: test accuracy ${percent(run.test.accuracy)}, F1 ${run.test.f1.toFixed(3)}` : ''
  new Notification(`Run ${run.status}`, { body: `${run.name}${figures}`, tag: run.id })
}
