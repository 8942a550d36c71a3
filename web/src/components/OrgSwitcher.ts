// Current organization in the top bar; a select to switch when the user belongs to several
// (GET /api/v1/me/orgs, POST /api/v1/auth/switch, then the app reloads at /).

import { api, type Me } from "../api";
import { h, replace } from "../dom";

export function OrgSwitcher(me: Me): HTMLElement {
  const el = h("span", { class: "nav-org", title: `${me.user.email} · ${me.org.name} (${me.role})`, "data-testid": "org-name" }, me.org.name);
  api.myOrgs().then(({ current, orgs }) => {
    if (!orgs || orgs.length < 2) return;
    const select = h("select", { class: "input input-sm org-select", "aria-label": "Organization", "data-testid": "org-switcher" },
      orgs.map((m) => h("option", { value: String(m.org.id), selected: m.org.id === current }, `${m.org.name} (${m.role})`)));
    select.addEventListener("change", async () => {
      select.disabled = true;
      try {
        await api.switchOrg(Number(select.value));
        location.assign("/");
      } catch (e) {
        select.disabled = false;
        select.value = String(current);
        alert(`Could not switch organization: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
    el.removeAttribute("data-testid");
    replace(el, select);
  }, () => {
    // Keep showing the current organization's name.
  });
  return el;
}
