/** Errors in main: a start-up failure stops the app with a dialog; anything later is logged. */
import { app, dialog } from 'electron'

/** A start-up failure the user can act on: its title and message go into the dialog. */
export class StartupError extends Error {
  constructor(
    readonly title: string,
    message: string,
  ) {
    super(message)
  }
}

/** Logged, not fatal: a failing job is the job manager's business and must not take the app down. */
export function logUncaughtErrors(): void {
  process.on('uncaughtException', (err) => console.error('Uncaught error in main:', err))
  process.on('unhandledRejection', (err) => console.error('Unhandled rejection in main:', err))
}

export function quitWith(err: unknown): void {
  if (err instanceof StartupError) dialog.showErrorBox(err.title, err.message)
  else dialog.showErrorBox('Sentiment Studio could not start', String(err))
  app.exit(1)
}
