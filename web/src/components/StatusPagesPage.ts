// Status pages: the list, and the editor (slug, title, chosen checks and hosts, maintenance
// notices). The public page itself is PublicStatusPage at /status/{slug}.

import { ApiError, api, type HostSummary } from "../api";
import { h, replace, type View } from "../dom";
import { checksApi, type Check, type StatusNotice } from "../checksApi";
import type { PageContext } from "../main";
import { navigate } from "../router";
import { FormField } from "./FormField";
import { StateMessage } from "./StateMessage";

export function StatusPagesPage(ctx: PageContext): View {
  const editor = ctx.me.role !== "viewer";
  const body = h("div", { class: "card" }, StateMessage({ kind: "loading", text: "Loading status pages…" }).el);
  const el = h("div", { class: "page" },
    h("div", { class: "page-head" }, h("h1", { class: "page-title" }, "Status pages"),
      editor ? h("a", { class: "btn btn-primary", href: "/status-pages/new", "data-testid": "status-page-new" }, "New status page") : null),
    body);
  void (async () => {
    try {
      const { pages } = await checksApi.pages();
      replace(body, pages.length === 0
        ? StateMessage({ kind: "empty", boxed: true, text: "No status pages yet.", detail: "A status page shows chosen checks and hosts to anyone, without a login." }).el
        : h("table", { class: "checks-table" },
          h("thead", null, h("tr", null, ["Title", "Public address", "Items", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", null, pages.map((p) => h("tr", { "data-testid": "status-page-row" },
            h("td", { "data-label": "Title" }, h("strong", null, p.title)),
            h("td", { "data-label": "Address" }, h("a", { href: `/status/${p.slug}`, target: "_blank", rel: "noopener" }, `/status/${p.slug}`)),
            h("td", { "data-label": "Items" }, String(p.items.length)),
            h("td", { class: "actions" }, editor ? h("a", { class: "btn btn-sm", href: `/status-pages/${p.id}` }, "Edit") : null))))));
    } catch (e) {
      replace(body, StateMessage({ kind: "error", text: e instanceof Error ? e.message : String(e) }).el);
    }
  })();
  return { el };
}

/** datetime-local value ↔ RFC 3339 in the browser's time zone. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}
function fromLocalInput(v: string): string {
  return v ? new Date(v).toISOString() : "";
}

export function StatusPageEditor(id: number | null): View {
  const el = h("div", { class: "page" }, StateMessage({ kind: "loading", text: "Loading…" }).el);
  const slug = FormField("Address: /status/…", { type: "text", maxlength: 64, placeholder: "acme", "data-testid": "page-slug", pattern: "[a-z0-9-]+" });
  const title = FormField("Title", { type: "text", maxlength: 100, placeholder: "Acme status", "data-testid": "page-title" });
  const desc = FormField("Description", { type: "text", maxlength: 2000, "data-testid": "page-description" });
  const picks = h("fieldset", { class: "card card-pad pick-list" }, h("legend", { class: "label" }, "Shown on the page"));
  const notices = h("div", { class: "notice-list" });
  const error = h("p", { class: "form-error", role: "alert", "data-testid": "page-form-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "page-save" }, id === null ? "Create page" : "Save");

  function noticeRow(n?: StatusNotice): HTMLElement {
    const row = h("div", { class: "card card-pad notice-row", "data-testid": "notice-row" },
      h("input", { class: "input", name: "n-title", placeholder: "Database maintenance", value: n?.title ?? "", "aria-label": "Notice title" }),
      h("textarea", { class: "input", name: "n-body", rows: 2, placeholder: "What users will notice", "aria-label": "Notice text" }, n?.body ?? ""),
      h("div", { class: "toolbar" },
        h("label", null, "From ", h("input", { class: "input", type: "datetime-local", name: "n-start", value: n ? toLocalInput(n.starts_at) : "" })),
        h("label", null, "Until ", h("input", { class: "input", type: "datetime-local", name: "n-end", value: n ? toLocalInput(n.ends_at) : "" })),
        h("button", { type: "button", class: "btn btn-sm btn-danger", onclick: () => row.remove() }, "Remove")));
    return row;
  }

  const form = h("form", { class: "form card card-pad", novalidate: true, "data-testid": "status-page-form" },
    slug.el, title.el, desc.el, picks,
    h("div", { class: "field" }, h("span", { class: "label" }, "Maintenance notices"), notices,
      h("button", { type: "button", class: "btn btn-sm", onclick: () => notices.append(noticeRow()) }, "Add notice")),
    h("div", { class: "toolbar" }, submit, id !== null ? h("button", { type: "button", class: "btn btn-danger", onclick: () => void del() }, "Delete page") : null,
      h("a", { class: "btn", href: "/status-pages" }, "Cancel")),
    error);

  async function del(): Promise<void> {
    if (id === null || !confirm("Delete this status page? Its address stops working.")) return;
    await checksApi.removePage(id);
    navigate("/status-pages");
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const f of [slug, title, desc]) f.setError("");
    error.textContent = "";
    const items = [...picks.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")].map((c) => ({ kind: c.dataset.kind as "check" | "host", id: Number(c.value) }));
    const ns = [...notices.querySelectorAll<HTMLElement>(".notice-row")].map((r) => ({
      title: (r.querySelector("[name=n-title]") as HTMLInputElement).value,
      body: (r.querySelector("[name=n-body]") as HTMLTextAreaElement).value,
      starts_at: fromLocalInput((r.querySelector("[name=n-start]") as HTMLInputElement).value),
      ends_at: fromLocalInput((r.querySelector("[name=n-end]") as HTMLInputElement).value),
    }));
    submit.disabled = true;
    try {
      const r = await checksApi.savePage(id, { slug: slug.input.value.trim(), title: title.input.value.trim(), description: desc.input.value, items, notices: ns });
      navigate(`/status-pages/${r.page.id}?saved=1`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const f = e instanceof ApiError ? ({ slug, title, description: desc } as Record<string, typeof slug>)[e.field ?? ""] : undefined;
      if (f) f.setError(msg);
      else error.textContent = e instanceof ApiError && e.field ? `${e.field}: ${msg}` : msg;
    } finally {
      submit.disabled = false;
    }
  });

  void (async () => {
    try {
      const [{ checks }, { hosts }, page] = await Promise.all([checksApi.list(), api.hosts(), id === null ? null : checksApi.page(id).then((r) => r.page)]);
      const chosen = new Set((page?.items ?? []).map((i) => `${i.kind}:${i.id}`));
      const box = (kind: "check" | "host", item: Check | HostSummary, name: string) =>
        h("label", { class: "check-label" }, h("input", { type: "checkbox", value: String(item.id), "data-kind": kind, "data-testid": `pick-${kind}`, checked: chosen.has(`${kind}:${item.id}`) }), " ", name);
      picks.append(
        h("p", { class: "muted small" }, "Checks"), ...(checks.length ? checks.map((c) => box("check", c, c.spec.name)) : [h("p", { class: "muted" }, "No checks yet.")]),
        h("p", { class: "muted small" }, "Hosts (shown as connected or not)"), ...(hosts.length ? hosts.map((x) => box("host", x, x.name)) : [h("p", { class: "muted" }, "No hosts yet.")]));
      if (page) {
        slug.input.value = page.slug;
        title.input.value = page.title;
        desc.input.value = page.description;
        for (const n of page.notices) notices.append(noticeRow(n));
      }
      const saved = new URLSearchParams(location.search).has("saved") && page;
      replace(el, h("div", { class: "page-head" },
        h("h1", { class: "page-title" }, id === null ? "New status page" : "Edit status page"),
        page ? h("a", { class: "btn btn-sm", href: `/status/${page.slug}`, target: "_blank", rel: "noopener", "data-testid": "page-open" }, "Open public page") : null),
        saved ? h("p", { class: "notice", role: "status" }, "Saved.") : null, form);
    } catch (e) {
      replace(el, StateMessage({ kind: "error", text: e instanceof Error ? e.message : String(e) }).el);
    }
  })();
  return { el };
}
