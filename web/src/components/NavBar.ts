// Top navigation: brand, page links, live indicator, signed-in user and logout.

import type { Me } from "../api";
import { h, type View } from "../dom";
import type { Live } from "../live";
import { LiveIndicator } from "./LiveIndicator";
import { OrgSwitcher } from "./OrgSwitcher";
import { openHelpDialog } from "./HelpDialog";
import { ThemeButton } from "./ThemeButton";

export interface NavView extends View {
  /** Marks the link of the current page. */
  setPath(path: string): void;
}

export function NavBar(p: { me: Me; live: Live; onLogout: () => void }): NavView {
  const links = [
    { href: "/", text: "Fleet", match: (path: string) => path === "/" || path.startsWith("/hosts/") },
    { href: "/alerts/active", text: "Alerts", match: (path: string) => path.startsWith("/alerts") },
    { href: "/checks", text: "Uptime", match: (path: string) => path.startsWith("/checks") || path.startsWith("/status-pages") },
    { href: "/settings/account", text: "Settings", match: (path: string) => path.startsWith("/settings/") },
  ].map((l) => ({ ...l, el: h("a", { href: l.href, class: "nav-link", "data-testid": `nav-${l.text.toLowerCase().replace(/ /g, "-")}` }, l.text) }));
  const indicator = LiveIndicator(p.live);
  const el = h(
    "header",
    { class: "nav" },
    h("a", { href: "#main", class: "skip" }, "Skip to content"),
    h("div", { class: "nav-inner" },
      h("a", { href: "/", class: "brand", "aria-label": "Vigil home" },
        h("span", { class: "brand-mark", "aria-hidden": "true" }), "Vigil"),
      h("nav", { class: "nav-links", "aria-label": "Main" }, links.map((l) => l.el)),
      h("div", { class: "nav-right" },
        indicator.el,
        ThemeButton(),
        h("button", { type: "button", class: "btn btn-ghost btn-sm btn-icon", "aria-label": "Keyboard shortcuts", title: "Keyboard shortcuts (?)", "data-testid": "help-open", onclick: openHelpDialog }, "?"),
        OrgSwitcher(p.me),
        h("button", { type: "button", class: "btn btn-ghost btn-sm", "data-testid": "logout", onclick: p.onLogout }, "Log out"),
      ),
    ),
  );
  return {
    el,
    destroy: indicator.destroy,
    setPath(path) {
      for (const l of links) {
        if (l.match(path)) l.el.setAttribute("aria-current", "page");
        else l.el.removeAttribute("aria-current");
      }
    },
  };
}
