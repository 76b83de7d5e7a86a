/**
 * The contract over serve mode's WebSocket. The auth cookie from the login exchange goes with the
 * connection. Requests made while disconnected wait for the socket; it reconnects with back-off.
 * Requests already sent when the socket drops fail: their answer is lost, and resending could
 * start a job twice.
 */
import type { StudioApi } from '@shared/contract'
import { ApiError } from '@shared/errors'
import { wsPath, type WsInvoke, type WsServerMessage } from '@shared/ws-protocol'
import { ref } from 'vue'

export const connected = ref(false)

export function wsTransport(): StudioApi {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${wsPath}`
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: ApiError) => void; sent: boolean }>()
  const listeners = new Map<string, Set<(data: unknown) => void>>()
  const queue: WsInvoke[] = []
  let socket: WebSocket
  let nextId = 1
  let backoff = 500

  const send = (m: WsInvoke) => {
    socket.send(JSON.stringify(m))
    const p = pending.get(m.id)
    if (p) p.sent = true
  }

  const connect = () => {
    socket = new WebSocket(url)
    socket.onopen = () => {
      connected.value = true
      backoff = 500
      for (const m of queue.splice(0)) send(m)
    }
    socket.onmessage = (e) => {
      let m: WsServerMessage
      try {
        m = JSON.parse(String(e.data)) as WsServerMessage
      } catch {
        return // not ours; the server only sends JSON
      }
      if (m.type === 'event') {
        for (const l of listeners.get(m.name) ?? []) l(m.data)
        return
      }
      const p = pending.get(m.id)
      if (!p) return
      pending.delete(m.id)
      if (m.ok) p.resolve(m.result)
      else p.reject(ApiError.from(m.error))
    }
    socket.onclose = () => {
      connected.value = false
      for (const [id, p] of pending) {
        if (!p.sent) continue // still queued: goes out when the socket is back
        pending.delete(id)
        p.reject(
          new ApiError(
            'failed',
            'Lost connection to the Sentiment Studio server before it answered; is it still running? Reconnecting…',
          ),
        )
      }
      setTimeout(connect, backoff)
      backoff = Math.min(backoff * 2, 10_000)
    }
  }
  connect()

  return {
    invoke(name, payload) {
      const message: WsInvoke = { type: 'invoke', id: nextId++, name, payload }
      return new Promise((resolve, reject) => {
        pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject, sent: false })
        if (socket.readyState === WebSocket.OPEN) send(message)
        else queue.push(message)
      })
    },
    subscribe(name, listener) {
      const set = listeners.get(name) ?? new Set()
      set.add(listener as (data: unknown) => void)
      listeners.set(name, set)
      return () => set.delete(listener as (data: unknown) => void)
    },
  }
}
