// "Live" / "Reconnecting" pill reflecting the state of the live WebSocket.

import { h, type View } from "../dom";
import type { Live, LiveState } from "../live";

const TEXT: Record<LiveState, string> = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting" };

export function LiveIndicator(live: Live): View {
  const label = h("span", null);
  const el = h("span", { class: "live", "data-testid": "live-indicator", role: "status", "aria-live": "polite" },
    h("span", { class: "live-dot", "aria-hidden": "true" }), label);
  const off = live.onState((s) => {
    el.dataset.state = s;
    label.textContent = TEXT[s];
    el.title = s === "live" ? "Receiving live updates" : "Live updates paused; reconnecting";
  });
  return { el, destroy: off };
}
