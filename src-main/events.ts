import { EventEmitter } from 'node:events'
import type { EventName, EventPayload } from './contract'

/** Typed main → renderer event bus; the shell and the browser host forward every event to their renderers. */
export class EventBus {
  readonly #emitter = new EventEmitter()

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.#emitter.emit('event', event, payload)
  }

  /** Listens to every event; returns the unsubscribe function. */
  onAny(listener: (event: EventName, payload: unknown) => void): () => void {
    this.#emitter.on('event', listener)
    return () => this.#emitter.off('event', listener)
  }
}
