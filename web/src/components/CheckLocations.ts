// Remote probes in the check form: where the check runs (the hub and agents that accept
// probes) and the quorum of locations that must agree it is down (docs/checks.md).

import type { Host } from "../api";
import { h } from "../dom";

export interface LocationsField {
  el: HTMLElement;
  /** The spec's locations and quorum; locations undefined = the hub only (the default). */
  value(): { locations?: { hub: boolean; hosts: number[] }; quorum?: number };
  fill(loc: { hub: boolean; hosts?: number[] } | undefined, quorum: number | undefined): void;
  setError(field: "locations" | "quorum", msg: string): void;
  focus(field: "locations" | "quorum"): void;
}

/** hosts: the organization's hosts; only those whose agent accepts probes are offered, plus
 *  any the check already names (so an edit shows them, marked). */
export function LocationsField(hosts: Host[]): LocationsField {
  const hub = h("input", { type: "checkbox", checked: true, "data-testid": "check-loc-hub", id: "loc-hub" });
  const boxes = new Map<number, HTMLInputElement>();
  const list = h("div", { class: "loc-list" });
  const quorum = h("input", { class: "input", type: "number", min: 0, max: 17, id: "loc-quorum", placeholder: "majority", "data-testid": "check-quorum", "aria-describedby": "loc-quorum-err" });
  const locErr = h("p", { class: "field-error", id: "loc-err", "aria-live": "polite" });
  const qErr = h("p", { class: "field-error", id: "loc-quorum-err", "aria-live": "polite" });
  const majority = h("p", { class: "hint" });

  function addHost(host: Host, accepts: boolean): HTMLInputElement {
    const box = h("input", { type: "checkbox", value: String(host.id), "data-testid": `check-loc-host-${host.id}`, id: `loc-h${host.id}` });
    box.addEventListener("change", hint);
    boxes.set(host.id, box);
    list.append(h("label", { class: "check-label", for: `loc-h${host.id}` }, box, " ", host.name,
      accepts ? null : h("span", { class: "muted small" }, " (not accepting probes: start its agent with --probes)")));
    return box;
  }
  const byId = new Map(hosts.map((x) => [x.id, x]));
  for (const host of hosts) if (host.facts?.probes === true) addHost(host, true);

  function chosen(): number[] {
    return [...boxes].filter(([, b]) => b.checked).map(([id]) => id).sort((a, b) => a - b);
  }
  function hint(): void {
    const n = (hub.checked ? 1 : 0) + chosen().length;
    majority.textContent = n > 1 ? `Down only when this many locations agree; empty = a majority (${Math.floor(n / 2) + 1} of ${n}).` : "With one location, that location decides.";
  }
  hub.addEventListener("change", hint);
  hint();

  const el = h("fieldset", { class: "field loc-field", "data-testid": "check-locations-field" },
    h("legend", { class: "label" }, "Run from"),
    h("label", { class: "check-label", for: "loc-hub" }, hub, " This hub"),
    list,
    boxes.size === 0 ? h("p", { class: "hint", "data-testid": "check-loc-none" }, "No agent accepts probes yet. An agent runs checks only when its operator starts it with --probes.") : null,
    locErr,
    h("label", { class: "label", for: "loc-quorum" }, "Quorum"), quorum, majority, qErr);

  return {
    el,
    value() {
      const hosts = chosen();
      const q = quorum.value.trim() === "" ? undefined : Number(quorum.value);
      if (hub.checked && hosts.length === 0) return { quorum: q };
      return { locations: { hub: hub.checked, hosts }, quorum: q };
    },
    fill(loc, q) {
      hub.checked = loc ? loc.hub : true;
      for (const id of loc?.hosts ?? []) {
        const box = boxes.get(id) ?? addHost(byId.get(id) ?? { id, name: `host ${id}` } as Host, false);
        box.checked = true;
      }
      quorum.value = q ? String(q) : "";
      hint();
    },
    setError(field, msg) {
      (field === "quorum" ? qErr : locErr).textContent = msg;
    },
    focus(field) {
      (field === "quorum" ? quorum : hub).focus();
    },
  };
}
