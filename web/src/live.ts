// The browser's single connection to /api/v1/live: reconnects with exponential backoff, re-sends
// its watch requests after every reconnect, and fans messages out to subscribers.

import type { LiveMessage } from "./api";

export type LiveState = "connecting" | "live" | "reconnecting";

type Listener = (m: LiveMessage) => void;
type StateListener = (s: LiveState) => void;

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30000;
const STABLE_MS = 10000;

export class Live {
  private ws: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<StateListener>();
  private watches = new Map<number, number>(); // host id → number of watchers
  private backoff = MIN_BACKOFF_MS;
  private timer: number | undefined;
  private closed = false;
  state: LiveState = "connecting";

  constructor(private readonly url = Live.defaultURL()) {
    this.connect();
  }

  static defaultURL(): string {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}/api/v1/live`;
  }

  /** Subscribes to every message; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Subscribes to connection state changes (called at once with the current state). */
  onState(fn: StateListener): () => void {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  /** Asks the hub for 1-second updates of a host until the returned function is called. */
  watch(hostId: number): () => void {
    const n = this.watches.get(hostId) ?? 0;
    this.watches.set(hostId, n + 1);
    if (n === 0) this.send({ type: "watch", host_id: hostId });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.watches.get(hostId) ?? 1) - 1;
      if (left > 0) {
        this.watches.set(hostId, left);
        return;
      }
      this.watches.delete(hostId);
      this.send({ type: "unwatch", host_id: hostId });
    };
  }

  close(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.ws?.close();
    this.ws = null;
  }

  private send(m: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private setState(s: LiveState): void {
    if (s === this.state) return;
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private connect(): void {
    if (this.closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    let openedAt = 0;
    ws.onopen = () => {
      openedAt = Date.now();
      this.setState("live");
      for (const id of this.watches.keys()) this.send({ type: "watch", host_id: id });
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      let m: LiveMessage;
      try {
        m = JSON.parse(ev.data) as LiveMessage;
      } catch {
        return;
      }
      for (const fn of this.listeners) fn(m);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      // Only a connection that held for a while resets the backoff: a hub that accepts and at once
      // closes (expired session, overload) must not be hammered every second.
      if (openedAt && Date.now() - openedAt > STABLE_MS) this.backoff = MIN_BACKOFF_MS;
      this.retry();
    };
  }

  private retry(): void {
    if (this.closed) return;
    this.setState("reconnecting");
    // Full jitter keeps a fleet of open dashboards from reconnecting in lockstep after a hub restart.
    const delay = this.backoff / 2 + Math.random() * (this.backoff / 2);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.timer = window.setTimeout(() => this.connect(), delay);
  }
}
