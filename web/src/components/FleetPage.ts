// Fleet overview: every host with its latest values, kept current by the live WebSocket.

import { api, type HostSummary, type LiveMessage } from "../api";
import { h, replace, type View } from "../dom";
import type { PageContext } from "../main";
import { openAddServerDialog } from "./AddServerDialog";
import { HostTable } from "./HostTable";
import { StateMessage } from "./StateMessage";

/** Live snapshots can arrive for thousands of hosts; the table is redrawn at most this often. */
const REDRAW_MS = 1000;

export function FleetPage(ctx: PageContext): View {
  const hosts = new Map<number, HostSummary>();
  let loaded = false;
  let timer: number | undefined;
  let refetchTimer: number | undefined;

  const table = HostTable();
  const counts = h("p", { class: "counts", "data-testid": "host-counts" });
  const search = h("input", { type: "search", class: "input search", placeholder: "Search servers", "aria-label": "Search servers", "data-testid": "host-search" });
  // Adding hosts needs editor or above (docs/api.md); viewers do not get the button.
  const canAdd = ctx.me.role !== "viewer";
  const addBtn = canAdd ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "add-server", onclick: () => openAddServerDialog(onAdded) }, "+ Add server") : null;
  const body = h("div", { class: "fleet-body" });
  const toolbar = h("div", { class: "toolbar" }, search, addBtn);
  const el = h("div", { class: "page" },
    h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Fleet"), counts), toolbar),
    body);

  search.addEventListener("input", () => draw());

  function onAdded(): void {
    void load();
  }

  function draw(): void {
    timer = undefined;
    if (!loaded) return;
    const list = [...hosts.values()];
    const online = list.filter((x) => x.online).length;
    replace(counts,
      h("span", { class: "count count-online" }, h("span", { class: "dot", "aria-hidden": "true" }), `${online} online`),
      h("span", { class: "count count-offline" }, h("span", { class: "dot", "aria-hidden": "true" }), `${list.length - online} offline`));
    if (list.length === 0) {
      search.hidden = true;
      replace(body, StateMessage({ kind: "empty", boxed: true, text: "No servers yet — add one",
        detail: "Each server runs a small agent that streams its metrics to this hub.",
        action: canAdd ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "add-server-empty", onclick: () => openAddServerDialog(onAdded) }, "+ Add server") : undefined }).el);
      return;
    }
    search.hidden = false;
    const shown = table.update(list, search.value);
    replace(body, table.el, shown === 0 ? h("p", { class: "muted no-match" }, `No server matches “${search.value}”.`) : null);
  }

  function scheduleDraw(): void {
    if (timer === undefined) timer = window.setTimeout(draw, REDRAW_MS);
  }

  async function load(): Promise<void> {
    if (!loaded) replace(body, StateMessage({ kind: "loading", text: "Loading servers…" }).el);
    try {
      const r = await api.hosts();
      hosts.clear();
      for (const x of r.hosts) hosts.set(x.id, x);
      loaded = true;
      draw();
    } catch (e) {
      if (!loaded) replace(body, StateMessage({ kind: "error", text: "Could not load servers.", detail: e instanceof Error ? e.message : String(e), retry: () => void load() }).el);
    }
  }

  const off = ctx.live.subscribe((m: LiveMessage) => {
    const x = hosts.get(m.host_id);
    if (!x) {
      // A host this page has not seen (added elsewhere): fetch the list again, once.
      if (loaded && refetchTimer === undefined) refetchTimer = window.setTimeout(() => { refetchTimer = undefined; void load(); }, 2000);
      return;
    }
    if (m.type === "host") x.online = m.online;
    else {
      x.online = true;
      x.latest = { ...(x.latest ?? {}), ...m.latest };
      x.last_seen = new Date(m.time).toISOString();
    }
    scheduleDraw();
  });
  // After a reconnect the hub may have missed telling us about changes: reload the list.
  let wasLive = ctx.live.state === "live";
  const offState = ctx.live.onState((s) => {
    if (s === "live" && !wasLive && loaded) void load();
    wasLive = s === "live";
  });

  void load();
  return {
    el,
    destroy() {
      off();
      offState();
      window.clearTimeout(timer);
      window.clearTimeout(refetchTimer);
    },
  };
}
