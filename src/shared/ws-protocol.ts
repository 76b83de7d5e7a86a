/** Messages of the serve mode's WebSocket, which carries the same contract as Electron IPC. */
import type { ApiErrorData } from './errors'

/** Browser → server. */
export interface WsInvoke {
  type: 'invoke'
  id: number
  name: string
  payload: unknown
}

/** Server → browser. */
export type WsServerMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiErrorData }
  | { type: 'event'; name: string; data: unknown }

/** Path of the WebSocket endpoint on the serve-mode server. */
export const wsPath = '/api/ws'
/** Cookie that carries the serve-mode token after the login exchange. */
export const tokenCookie = 'studio_token'
