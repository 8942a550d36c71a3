// Alerts area (/alerts/...): active alerts, history, rules, channels and silences, each a
// section with its own file. Loaded on demand like the settings area.

import "./alerts.css";
import type { Role } from "../../api";
import { h, type View } from "../../dom";
import type { PageContext } from "../../main";
import { ActiveAlerts } from "./ActiveAlerts";
import { AlertHistory } from "./AlertHistory";
import { ChannelsSection } from "./ChannelsSection";
import { ConfigSection } from "./ConfigSection";
import { RulesSection } from "./RulesSection";
import { SilencesSection } from "./SilencesSection";

/** Editors and above change alerting; viewers read it. */
export const canEdit = (r: Role): boolean => r !== "viewer";

const SECTIONS: { key: string; text: string; page: (ctx: PageContext, q: URLSearchParams) => View }[] = [
  { key: "active", text: "Active", page: ActiveAlerts },
  { key: "history", text: "History", page: AlertHistory },
  { key: "rules", text: "Rules", page: RulesSection },
  { key: "channels", text: "Channels", page: ChannelsSection },
  { key: "silences", text: "Silences", page: SilencesSection },
  { key: "config", text: "YAML", page: ConfigSection },
];

export const ALERT_SECTIONS = SECTIONS.map((s) => s.key);

export function alertsTitle(key: string): string {
  return SECTIONS.find((s) => s.key === key)?.text ?? "Alerts";
}

export function AlertsPage(ctx: PageContext, key: string, query: URLSearchParams): View {
  const section = SECTIONS.find((s) => s.key === key) ?? SECTIONS[0];
  const links = SECTIONS.map((s) =>
    h("a", { href: `/alerts/${s.key}`, class: "subnav-link", "data-testid": `alerts-${s.key}`, "aria-current": s === section ? "page" : null }, s.text));
  const content = section.page(ctx, query);
  return {
    el: h("div", { class: "settings alerts" },
      h("aside", { class: "settings-side" },
        h("p", { class: "settings-heading", id: "alerts-heading" }, "Alerts"),
        h("nav", { class: "subnav", "aria-labelledby": "alerts-heading" }, links)),
      h("div", { class: "settings-main" }, content.el)),
    destroy: content.destroy,
  };
}

/** A severity pill (text, never colour alone). */
export function SeverityBadge(sev: string | undefined, text?: string): HTMLElement {
  return h("span", { class: `sev sev-${sev || "none"}`, "data-testid": "severity" }, text ?? (sev || "—"));
}

/** Renders an API error next to the input of the field it names, or in the form's error line. */
export function showFieldError(fields: Record<string, { setError(m: string): void }>, formError: HTMLElement, field: string | undefined, msg: string): void {
  for (const f of Object.values(fields)) f.setError("");
  formError.textContent = "";
  const target = field ? fields[field] ?? fields[field.split(".").pop() ?? ""] : undefined;
  if (target) target.setError(msg);
  else formError.textContent = msg;
}
