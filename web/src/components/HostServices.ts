// Services and Docker containers of one host, as its agent last reported them (--services,
// --docker-socket): each service with its state and the agent's reason, each container with
// state, health, restarts, CPU, memory and network. Hidden while the host reports none.

import { api, type ContainerStatus, type ServiceStatus } from "../api";
import { h, replace, type View } from "../dom";
import { ago, bytes, pct, rate } from "../format";

export interface HostServicesView extends View {
  refresh(signal: AbortSignal): Promise<void>;
}

/** State dot plus word: never color alone. */
function stateBadge(state: string, testid: string): HTMLElement {
  return h("span", { class: `svc-state svc-${state}`, "data-testid": testid, "data-state": state },
    h("span", { class: "dot", "aria-hidden": "true" }), state);
}

export function HostServices(hostId: number): HostServicesView {
  const svcBody = h("tbody");
  const ctrBody = h("tbody");
  const services = h("section", { class: "card proc-card", "data-testid": "services", hidden: true },
    h("div", { class: "card-head" }, h("h2", { class: "card-title" }, "Services")),
    h("div", { class: "table-scroll" }, h("table", null,
      h("thead", null, h("tr", null, ["State", "Service", "Kind", "Reason", "Since"].map((t) => h("th", { scope: "col" }, t)))),
      svcBody)));
  const containers = h("section", { class: "card proc-card", "data-testid": "containers", hidden: true },
    h("div", { class: "card-head" }, h("h2", { class: "card-title" }, "Containers")),
    h("div", { class: "table-scroll" }, h("table", null,
      h("thead", null, h("tr", null,
        ["Name", "Image", "State", "Health", "Restarts", "CPU", "Memory", "Net in", "Net out"].map((t, i) => h("th", { scope: "col", class: i >= 4 ? "num" : null }, t)))),
      ctrBody)));
  const el = h("div", { class: "host-services" }, services, containers);

  function renderServices(list: ServiceStatus[]): void {
    services.hidden = list.length === 0;
    replace(svcBody, list.map((s) => h("tr", { "data-testid": "service-row", "data-name": s.name },
      h("td", null, stateBadge(s.state, "service-state")),
      h("td", { class: "proc-cmd", title: s.name }, s.name),
      h("td", null, s.kind),
      h("td", null, s.reason),
      h("td", { title: new Date(s.since).toISOString() }, ago(s.since)))));
  }

  function renderContainers(list: ContainerStatus[]): void {
    containers.hidden = list.length === 0;
    replace(ctrBody, list.map((c) => h("tr", { "data-testid": "container-row", "data-name": c.name },
      h("td", { title: c.id }, c.name),
      h("td", null, c.image),
      h("td", null, c.state),
      h("td", null, c.health ? stateBadge(c.health === "healthy" ? "healthy" : c.health === "unhealthy" ? "down" : "degraded", "container-health") : "—"),
      h("td", { class: "num" }, String(c.restarts)),
      h("td", { class: "num" }, c.state === "running" ? pct(c.cpu_pct) : "—"),
      h("td", { class: "num" }, c.state === "running" ? bytes(c.mem_bytes) + (c.mem_limit ? " / " + bytes(c.mem_limit) : "") : "—"),
      h("td", { class: "num" }, c.state === "running" ? rate(c.rx_bps) : "—"),
      h("td", { class: "num" }, c.state === "running" ? rate(c.tx_bps) : "—"))));
  }

  return {
    el,
    async refresh(signal) {
      const [s, c] = await Promise.all([api.services(hostId, signal), api.containers(hostId, signal)]);
      renderServices(s.services ?? []);
      renderContainers(c.containers ?? []);
    },
  };
}
