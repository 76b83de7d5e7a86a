/** What `contract.ts` names from training, which it imports as `./training`; all else imports the module that holds it. */
export { trainRequestSchema } from './settings'
export type { Preset } from './presets'
export type { RunHistory, RunRecord, RunUpdate, WordVectors } from './results'
