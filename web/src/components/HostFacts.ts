// The host page's header facts: OS, kernel, CPU, memory, uptime, agent version, last seen.

import type { Host, Latest } from "../api";
import { h, replace } from "../dom";
import { ago, bytes, duration } from "../format";

export function HostFacts(): { el: HTMLElement; update(host: Host, latest: Partial<Latest> | null): void } {
  const el = h("dl", { class: "facts", "data-testid": "host-facts" });
  return {
    el,
    update(host, latest) {
      const f = host.facts ?? {};
      let uptime = latest?.uptime_s ?? null;
      if (uptime === null && f.boot_time && host.online) uptime = (Date.now() - new Date(f.boot_time).getTime()) / 1000;
      const os = [f.os, f.arch].filter(Boolean).join(" · ");
      const items: [string, string][] = [
        ["OS", os || "—"],
        ["Kernel", f.kernel || "—"],
        ["CPU", f.cpu_model || "—"],
        ["Cores", f.cores ? String(f.cores) : "—"],
        ["Memory", f.memory_bytes ? bytes(f.memory_bytes) : "—"],
        ["Uptime", host.online ? duration(uptime) : "—"],
        ["Agent", host.agent_version || "—"],
        [host.online ? "Hostname" : "Last seen", host.online ? f.hostname || "—" : ago(host.last_seen)],
      ];
      if (f.virtualization) items.splice(5, 0, ["Virtualization", f.virtualization]);
      replace(el, items.map(([k, v]) => h("div", { class: k === "CPU" || k === "OS" ? "fact fact-wide" : "fact" }, h("dt", null, k), h("dd", { title: v }, v))));
    },
  };
}
