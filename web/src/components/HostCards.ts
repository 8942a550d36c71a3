// Card view of the fleet: one card per host with its state, tags, meters and a larger sparkline.

import type { HostSummary } from "../api";
import { h, replace } from "../dom";
import { pct, rate } from "../format";
import { hostState, STATE_LABEL } from "./FleetModel";
import { meter } from "./HostTable";
import type { SparkStore } from "./Sparkline";
import { Sparkline } from "./Sparkline";
import { StatusBadge } from "./StatusBadge";
import { TagChips } from "./TagChips";

export interface CardView {
  el: HTMLElement;
  update(x: HostSummary): void;
}

export function HostCard(x: HostSummary, sparks: SparkStore): CardView {
  const spark = Sparkline(220, 40, `CPU of ${x.name} over the last minutes`);
  const head = h("div", { class: "hc-head" });
  const tags = h("div", { class: "hc-tags" });
  const meters = h("dl", { class: "hc-meters" });
  const el = h("article", { class: "host-card card", "data-testid": "host-card", "data-host-id": String(x.id) },
    head, tags, h("div", { class: "hc-spark" }, spark.el), meters);
  let headSig = "";
  let tagSig = "";
  let meterSig = "";
  return {
    el,
    update(y) {
      const st = hostState(y);
      el.dataset.state = st;
      spark.draw(sparks.get(y.id));
      // Parts are rebuilt only when they change, so the link and chips survive live updates.
      const l = y.latest ?? {};
      const hs = `${y.name}\u0000${st}\u0000${y.online}`;
      const ts = `${(y.tags ?? []).join()}\u0000${y.facts?.os ?? ""}`;
      const ms = [pct(l.cpu_pct), pct(l.mem_pct), pct(l.disk_pct), rate((l.net_rx_bps ?? 0) + (l.net_tx_bps ?? 0))].join();
      if (hs !== headSig) {
        headSig = hs;
        replace(head,
        h("a", { href: `/hosts/${y.id}`, class: "host-link", "data-testid": "host-name" }, y.name),
        st === "critical" || st === "warning" ? h("span", { class: `state-pill state-${st}` }, STATE_LABEL[st]) : null,
        StatusBadge(y.online));
      }
      if (ts !== tagSig) {
        tagSig = ts;
        replace(tags, TagChips(y.tags, { max: 4, clickable: true }) ?? h("span", { class: "muted small" }, y.facts?.os ?? ""));
      }
      if (ms === meterSig) return;
      meterSig = ms;
      replace(meters,
        h("div", null, h("dt", null, "CPU"), h("dd", null, meter(l.cpu_pct))),
        h("div", null, h("dt", null, "Memory"), h("dd", null, meter(l.mem_pct))),
        h("div", null, h("dt", null, "Disk"), h("dd", null, meter(l.disk_pct))),
        h("div", null, h("dt", null, "Network"), h("dd", null, rate((l.net_rx_bps ?? 0) + (l.net_tx_bps ?? 0)))));
    },
  };
}
