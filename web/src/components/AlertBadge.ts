// Firing-alert count of a host (overview rows, host page), linking to its alerts; nothing when
// the host has none. Text carries the severity, not colour alone.

import { h } from "../dom";
import type { Host } from "../api";

export function AlertBadge(x: Pick<Host, "id" | "alerts">): HTMLElement | null {
  const a = x.alerts;
  if (!a || a.firing <= 0) return null;
  const sev = a.severity ?? "warning";
  return h("a", { href: `/alerts/active?host=${x.id}`, class: `sev sev-${sev} alert-badge`, "data-testid": "host-alerts",
    title: `${a.firing} firing alert${a.firing === 1 ? "" : "s"}, worst ${sev}` }, `${a.firing} ${sev}`);
}
