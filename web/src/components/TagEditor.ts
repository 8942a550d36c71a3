// The host page's tags: chips for everyone; editors and above also remove (×) and add tags, each
// change saved at once with PATCH /api/v1/hosts/{id}. The hub normalizes (lower-case, sorted) and
// its field error is shown under the input.

import { api, ApiError } from "../api";
import { h, replace } from "../dom";

export function TagEditor(p: { hostId: number; tags: string[]; canEdit: boolean; onChange(tags: string[]): void }): HTMLElement {
  let tags = p.tags.slice();
  let busy = false;
  const list = h("span", { class: "chips" });
  const error = h("p", { class: "field-error", role: "alert", "data-testid": "tag-error" });
  const input = h("input", {
    class: "input input-sm tag-input", placeholder: "Add tag", "aria-label": "Add a tag", maxlength: "40",
    "data-testid": "tag-input", autocomplete: "off", enterkeyhint: "done",
  });
  const addBtn = h("button", { type: "button", class: "btn btn-sm", "data-testid": "tag-add" }, "Add");
  const el = h("div", { class: "tag-editor", "data-testid": "host-tags" },
    h("span", { class: "tag-editor-label" }, "Tags"), list,
    p.canEdit ? h("span", { class: "tag-editor-add" }, input, addBtn) : null,
    error);

  function draw(): void {
    replace(list, tags.length === 0 ? h("span", { class: "muted small" }, p.canEdit ? "none yet" : "none") : null,
      tags.map((t) => h("span", { class: "chip chip-edit", "data-testid": "tag-chip", "data-value": t }, t,
        p.canEdit ? h("button", { type: "button", class: "chip-x", "aria-label": `Remove tag ${t}`, "data-testid": "tag-remove", onclick: () => void save(tags.filter((x) => x !== t)) }, "×") : null)));
  }

  async function save(next: string[]): Promise<boolean> {
    if (busy) return false;
    busy = true;
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    try {
      const r = await api.updateHost(p.hostId, { tags: next });
      tags = r.host.tags ?? [];
      draw();
      p.onChange(tags);
      return true;
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
      if (e instanceof ApiError && e.field === "tags") input.setAttribute("aria-invalid", "true");
      return false;
    } finally {
      busy = false;
    }
  }

  async function add(): Promise<void> {
    const fresh = input.value.split(",").map((s) => s.trim()).filter(Boolean);
    if (fresh.length === 0) return;
    if (await save([...tags, ...fresh])) input.value = "";
  }

  addBtn.addEventListener("click", () => void add());
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === ",") {
      ev.preventDefault();
      void add();
    } else if (ev.key === "Backspace" && input.value === "" && tags.length > 0) {
      void save(tags.slice(0, -1));
    }
  });
  draw();
  return el;
}
