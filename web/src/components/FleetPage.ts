// Fleet overview for up to thousands of hosts: problems first, counts by state that filter, search,
// tag filter and grouping, sortable columns, table or card view with live sparklines. Live updates
// are batched into one requestAnimationFrame; only rows near the viewport exist in the DOM
// (VirtualList), and the order is recomputed at most once a second so rows do not jump under the
// pointer.

import { api, type HostSummary, type LiveMessage } from "../api";
import { h, replace, type View } from "../dom";
import { integer } from "../format";
import type { PageContext } from "../main";
import { navigate } from "../router";
import { openAddServerDialog } from "./AddServerDialog";
import {
  counts, defaultAsc, filterAndSort, groupHosts, queryFromURL, queryToURL, SORT_LABEL, STATE_LABEL, STATES, tagCounts, tagKeys,
  type FleetQuery, type HostState, type SortKey,
} from "./FleetModel";
import { HostCard, type CardView } from "./HostCards";
import { COLUMNS, HostRow, TableHead, type RowView } from "./HostTable";
import { SPARK_POINTS, SparkStore } from "./Sparkline";
import { StateMessage } from "./StateMessage";
import { VirtualList, type VRow } from "./VirtualList";

/** Sparklines of hosts that come into view are filled with this much CPU history, 1 point a minute. */
const SPARK_HISTORY_MS = SPARK_POINTS * 60_000;
const SPARK_FETCHES = 4;
/** Order, filters and counts follow live values at most this often. */
const REORDER_MS = 1000;
const CARD_MIN_W = 250;
const CARD_GAP = 12;

type ViewMode = "table" | "cards";

interface Row extends VRow {
  kind: "host" | "cards" | "group";
  group: string;
  hosts: HostSummary[];
}

export function FleetPage(ctx: PageContext): View {
  const hosts = new Map<number, HostSummary>();
  const version = new Map<number, number>();
  const sparks = new SparkStore();
  const params = new URLSearchParams(location.search);
  const q: FleetQuery = queryFromURL(params);
  let mode: ViewMode = params.get("view") === "cards" ? "cards" : "table";
  let loaded = false;
  let frame = 0;
  let orderDirty = true;
  let lastOrder = 0;
  let orderTimer: number | undefined;
  let refetchTimer: number | undefined;
  let cols = 1;

  // --- controls -------------------------------------------------------------------------------
  const canAdd = ctx.me.role !== "viewer";
  const addBtn = canAdd ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "add-server", onclick: () => openAddServerDialog(onAdded) }, "+ Add server") : null;
  const search = h("input", { type: "search", class: "input search", placeholder: "Search servers  ( / )", "aria-label": "Search servers", "data-testid": "host-search", "data-shortcut": "search", value: q.search });
  const tagSelect = h("select", { class: "input input-sm", "aria-label": "Filter by tag", "data-testid": "tag-filter" });
  const groupSelect = h("select", { class: "input input-sm", "aria-label": "Group by", "data-testid": "group-by" });
  const sortSelect = h("select", { class: "input input-sm", "aria-label": "Sort by", "data-testid": "sort-select" },
    (Object.keys(SORT_LABEL) as SortKey[]).map((k) => h("option", { value: k }, SORT_LABEL[k])));
  const viewBtns = (["table", "cards"] as ViewMode[]).map((m) =>
    h("button", { type: "button", class: "seg-btn", "data-testid": `view-${m}`, "aria-pressed": String(m === mode), onclick: () => setMode(m) }, m === "table" ? "Table" : "Cards"));
  const countEls = new Map<string, HTMLElement>();
  const stateBtns = (["all", ...STATES] as (HostState | "all")[]).map((s) => {
    const n = h("strong", { "data-testid": `count-${s}` });
    countEls.set(s, n);
    return h("button", { type: "button", class: `state-btn state-${s}`, "data-testid": `state-filter-${s}`, "data-state": s, "aria-pressed": String(q.state === s), onclick: () => setState(s) },
      h("span", { class: "dot", "aria-hidden": "true" }), s === "all" ? "All" : STATE_LABEL[s], " ", n);
  });
  const countsEl = h("div", { class: "state-filters", role: "group", "aria-label": "Filter by state", "data-testid": "host-counts" }, stateBtns);
  const liveRegion = h("p", { class: "sr-only", "aria-live": "polite" });

  // --- table and cards ------------------------------------------------------------------------
  const head = TableHead((k) => setSort(k));
  const tbody = h("tbody");
  const table = h("table", { class: "hosts", "data-testid": "host-table" },
    h("caption", { class: "sr-only" }, "Servers; select a column header to sort"), head.el, tbody);
  const cards = h("div", { class: "host-cards", "data-testid": "host-cards" });
  const wrap = h("div", { class: "table-wrap" });
  const noMatch = h("div", { class: "no-match-wrap" });
  const body = h("div", { class: "fleet-body" });

  const rowViews = new Map<string, { view: RowView | CardView; v: number }>();
  const cardRows = new Map<string, HTMLElement>();

  function viewFor(key: string, x: HostSummary): HTMLElement {
    let e = rowViews.get(key);
    if (!e) {
      e = { view: mode === "cards" ? HostCard(x, sparks) : HostRow(x, sparks), v: -1 };
      rowViews.set(key, e);
    }
    const v = version.get(x.id) ?? 0;
    if (e.v !== v) {
      e.view.update(x);
      e.v = v;
    }
    return e.view.el;
  }

  function element(r: Row): HTMLElement {
    if (r.kind === "group") {
      const label = `${r.group} · ${integer(r.hosts.length)}`;
      return mode === "cards"
        ? h("h2", { class: "group-head", "data-testid": "group-head", "data-group": r.group }, label)
        : h("tr", { class: "group-row", "data-testid": "group-head", "data-group": r.group }, h("th", { colspan: String(COLUMNS.length), scope: "colgroup" }, label));
    }
    if (r.kind === "host") return viewFor(r.key, r.hosts[0]);
    let div = cardRows.get(r.key);
    if (!div) cardRows.set(r.key, (div = h("div", { class: "card-row" })));
    div.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
    const els = r.hosts.map((x) => viewFor(`${r.group}\u0000${x.id}`, x));
    if (els.length !== div.children.length || els.some((e, i) => div!.children[i] !== e)) div.replaceChildren(...els);
    return div;
  }

  const tableList = VirtualList<Row>({
    container: tbody, element,
    spacer: () => h("tr", { class: "vspacer", "aria-hidden": "true" }, h("td", { colspan: String(COLUMNS.length) })),
    heights: { host: 58, group: 38 },
  });
  const cardList = VirtualList<Row>({
    container: cards, element,
    spacer: () => h("div", { class: "vspacer", "aria-hidden": "true" }),
    heights: { cards: 190, group: 40 },
  });

  const el = h("div", { class: "page fleet" },
    h("div", { class: "page-head" }, h("div", null, h("h1", { class: "page-title" }, "Fleet"), countsEl, liveRegion), addBtn),
    h("div", { class: "toolbar fleet-toolbar" },
      search,
      h("label", { class: "inline-label" }, h("span", null, "Tag"), tagSelect),
      h("label", { class: "inline-label" }, h("span", null, "Group"), groupSelect),
      h("label", { class: "inline-label" }, h("span", null, "Sort"), sortSelect),
      h("div", { class: "seg", role: "group", "aria-label": "View" }, viewBtns)),
    body);

  // --- state changes --------------------------------------------------------------------------
  function changed(): void {
    const p = new URLSearchParams(location.search);
    queryToURL(q, p);
    if (mode === "cards") p.set("view", "cards");
    else p.delete("view");
    history.replaceState(null, "", location.pathname + (p.size ? `?${p}` : ""));
    orderDirty = true;
    schedule();
  }

  function setSort(k: SortKey, fromSelect = false): void {
    if (k === q.sort && !fromSelect) q.asc = !q.asc;
    else {
      q.sort = k;
      q.asc = defaultAsc(k);
    }
    changed();
  }

  function setState(s: HostState | "all"): void {
    q.state = q.state === s && s !== "all" ? "all" : s;
    changed();
  }

  function setMode(m: ViewMode): void {
    if (m === mode) return;
    mode = m;
    rowViews.clear();
    cardRows.clear();
    changed();
  }

  search.addEventListener("input", () => {
    q.search = search.value;
    changed();
  });
  tagSelect.addEventListener("change", () => {
    q.tag = tagSelect.value;
    changed();
  });
  groupSelect.addEventListener("change", () => {
    q.group = groupSelect.value;
    changed();
  });
  sortSelect.addEventListener("change", () => setSort(sortSelect.value as SortKey, true));

  // Clicks: a tag chip filters, a row opens its host (links handle themselves).
  body.addEventListener("click", (ev) => {
    const t = ev.target as Element;
    const chip = t.closest<HTMLElement>("[data-tag]");
    if (chip) {
      ev.preventDefault();
      q.tag = q.tag === chip.dataset.tag ? "" : chip.dataset.tag!;
      changed();
      return;
    }
    if (t.closest("a, button, input, select")) return;
    const row = t.closest<HTMLElement>("[data-host-id]");
    if (row) navigate(`/hosts/${row.dataset.hostId}`);
  });

  function onAdded(): void {
    void load();
  }

  // --- rendering ------------------------------------------------------------------------------
  function schedule(): void {
    if (!frame) frame = requestAnimationFrame(render);
  }

  function fillSelect(sel: HTMLSelectElement, options: [string, string][], value: string): void {
    const sig = options.map((o) => o.join("=")).join("\n");
    if (sel.dataset.sig !== sig) {
      sel.dataset.sig = sig;
      replace(sel, options.map(([v, t]) => h("option", { value: v }, t)));
    }
    sel.value = value;
  }

  function buildRows(list: HostSummary[]): Row[] {
    const rows: Row[] = [];
    for (const g of groupHosts(list, q.group)) {
      if (g.name) rows.push({ key: `g:${g.name}`, kind: "group", group: g.name, hosts: g.hosts });
      if (mode === "table") {
        for (const x of g.hosts) rows.push({ key: `${g.name}\u0000${x.id}`, kind: "host", group: g.name, hosts: [x] });
      } else {
        for (let i = 0; i < g.hosts.length; i += cols) {
          rows.push({ key: `c:${g.name}:${i}`, kind: "cards", group: g.name, hosts: g.hosts.slice(i, i + cols) });
        }
      }
    }
    return rows;
  }

  function reorder(): void {
    orderDirty = false;
    lastOrder = performance.now();
    const all = [...hosts.values()];
    const c = counts(all);
    for (const b of stateBtns) {
      const s = b.dataset.state as HostState | "all";
      b.setAttribute("aria-pressed", String(q.state === s));
      const n = countEls.get(s)!;
      if (n.textContent !== integer(c[s])) n.textContent = integer(c[s]);
    }
    const tags = tagCounts(all);
    fillSelect(tagSelect, [["", "All tags"], ...tags.map(([t, n]) => [t, `${t} (${n})`] as [string, string])], q.tag);
    if (q.tag && !tags.some(([t]) => t === q.tag)) tagSelect.append(h("option", { value: q.tag }, q.tag)), (tagSelect.value = q.tag);
    fillSelect(groupSelect, [["", "None"], ["tag", "Tag"], ...tagKeys(all).map((k) => [`key:${k}`, k] as [string, string])], q.group);
    sortSelect.value = q.sort;
    head.set(q.sort, q.asc);
    search.value === q.search || (search.value = q.search);
    for (const b of viewBtns) b.setAttribute("aria-pressed", String(b.dataset.testid === `view-${mode}`));

    if (all.length === 0) {
      replace(body, StateMessage({ kind: "empty", boxed: true, text: "No servers yet — add one",
        detail: "Each server runs a small agent that streams its metrics to this hub.",
        action: canAdd ? h("button", { type: "button", class: "btn btn-primary", "data-testid": "add-server-empty", onclick: () => openAddServerDialog(onAdded) }, "+ Add server") : undefined }).el);
      return;
    }
    const list = filterAndSort(all, q);
    if (mode === "cards") cols = Math.max(1, Math.floor(((body.clientWidth || cards.clientWidth || 1000) + CARD_GAP) / (CARD_MIN_W + CARD_GAP)));
    const rows = buildRows(list);
    const keys = new Set<string>();
    for (const r of rows) for (const x of r.hosts) keys.add(r.kind === "host" ? r.key : `${r.group}\u0000${x.id}`);
    for (const k of rowViews.keys()) if (!keys.has(k)) rowViews.delete(k);
    (mode === "cards" ? cardList : tableList).setRows(rows);
    // Re-attaching the table would restyle every row: only swap when the view changes.
    const target = mode === "cards" ? cards : table;
    if (wrap.firstChild !== target) replace(wrap, target);
    wrap.classList.toggle("as-cards", mode === "cards");
    if ((list.length === 0) !== (noMatch.firstChild !== null)) {
      replace(noMatch, list.length === 0
        ? StateMessage({ kind: "empty", text: "No server matches these filters.", action: h("button", { type: "button", class: "btn", "data-testid": "clear-filters", onclick: clearFilters }, "Clear filters") }).el
        : null);
    }
    if (body.firstChild !== wrap) replace(body, wrap, noMatch);
    // Announced to screen readers: only when the number shown changes, not on every live tick.
    const shownText = `${list.length} of ${all.length} servers shown`;
    if (liveRegion.textContent !== shownText) liveRegion.textContent = shownText;
    el.dataset.shown = String(list.length);
  }

  function clearFilters(): void {
    q.search = "";
    q.state = "all";
    q.tag = "";
    changed();
  }

  function render(): void {
    frame = 0;
    if (!loaded) return;
    if (orderDirty) reorder();
    if (hosts.size === 0) return;
    const visible = (mode === "cards" ? cardList : tableList).render();
    for (const r of visible) for (const x of r.hosts) if (!seeded.has(x.id)) {
      seeded.add(x.id);
      seedQueue.push(x.id);
    }
    pumpSeeds();
    if (!el.dataset.ready) {
      el.dataset.ready = "true";
      performance.mark("vigil:fleet-ready");
    }
  }

  const onScroll = () => schedule();
  let lastWidth = 0;
  const ro = new ResizeObserver(() => {
    const w = body.clientWidth;
    if (w === lastWidth) return;
    lastWidth = w;
    orderDirty = true; // card columns depend on the width
    schedule();
  });
  ro.observe(body);
  window.addEventListener("scroll", onScroll, { passive: true });

  // --- sparkline history, fetched for hosts as they come into view ------------------------------
  const seeded = new Set<number>();
  const seedQueue: number[] = [];
  let seeding = 0;
  const seedAbort = new AbortController();

  function pumpSeeds(): void {
    while (seeding < SPARK_FETCHES && seedQueue.length > 0) {
      const id = seedQueue.shift()!;
      seeding++;
      const to = Date.now();
      api.series(id, { from: to - SPARK_HISTORY_MS, to, names: ["cpu.used_pct"], step: 60_000 }, seedAbort.signal)
        .then((r) => {
          const total = r.series.find((s) => s.name === "cpu.used_pct" && s.label === "");
          if (!total) return;
          sparks.seed(id, total.values);
          version.set(id, (version.get(id) ?? 0) + 1);
          schedule();
        })
        .catch(() => { /* a sparkline without history is fine; live values still arrive */ })
        .finally(() => {
          seeding--;
          pumpSeeds();
        });
    }
  }

  // --- data -----------------------------------------------------------------------------------
  async function load(): Promise<void> {
    if (!loaded) replace(body, StateMessage({ kind: "loading", text: "Loading servers…" }).el);
    try {
      const r = await api.hosts();
      hosts.clear();
      for (const x of r.hosts) {
        hosts.set(x.id, x);
        version.set(x.id, (version.get(x.id) ?? 0) + 1);
        sparks.push(x.id, x.latest?.cpu_pct);
      }
      sparks.retain(new Set(hosts.keys()));
      loaded = true;
      orderDirty = true;
      schedule();
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
    else if (m.type === "alerts") x.alerts = m.firing > 0 ? { firing: m.firing, severity: m.severity } : undefined;
    else {
      x.online = true;
      x.latest = { ...(x.latest ?? {}), ...m.latest };
      x.last_seen = new Date(m.time).toISOString();
      sparks.push(x.id, m.latest.cpu_pct);
    }
    version.set(x.id, (version.get(x.id) ?? 0) + 1);
    // Values change in place at once; order and counts catch up at most once a second.
    const wait = REORDER_MS - (performance.now() - lastOrder);
    if (wait <= 0) orderDirty = true;
    else if (orderTimer === undefined) orderTimer = window.setTimeout(() => { orderTimer = undefined; orderDirty = true; schedule(); }, wait);
    schedule();
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
      seedAbort.abort();
      ro.disconnect();
      window.removeEventListener("scroll", onScroll);
      cancelAnimationFrame(frame);
      window.clearTimeout(orderTimer);
      window.clearTimeout(refetchTimer);
    },
  };
}
