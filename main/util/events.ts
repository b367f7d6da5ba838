import type { AppEvent } from '../../shared/events';

export type Listener = (e: AppEvent) => void;

/** In-process fan-out of AppEvents to whichever transports are attached (IPC, WebSocket, CLI). */
export class EventBus {
  private listeners = new Set<Listener>();
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(e: AppEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a broken listener never breaks the emitter */
      }
    }
  }
}
