// Online/offline dot plus text (never color alone).

import { h } from "../dom";

export function StatusBadge(online: boolean): HTMLElement {
  return h("span", { class: `status ${online ? "is-online" : "is-offline"}`, "data-testid": "host-status", "data-online": String(online) },
    h("span", { class: "dot", "aria-hidden": "true" }), online ? "Online" : "Offline");
}
