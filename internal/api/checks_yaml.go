package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/check"
)

// checksFile is the YAML document of export and import.
type checksFile struct {
	Checks []check.Spec `yaml:"checks"`
}

// exportChecks writes the organization's checks as YAML that importChecks reads back.
func (a *API) exportChecks(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	list, err := a.cfg.Meta.ListChecks(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list checks", err)
		return
	}
	doc := checksFile{Checks: []check.Spec{}}
	for _, m := range list {
		if s, err := check.DecodeSpec(m.Spec); err == nil {
			doc.Checks = append(doc.Checks, s)
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		a.internal(w, r, "encode checks as YAML", err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="checks.yaml"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

var yamlUnknownField = regexp.MustCompile(`line (\d+): field (\S+) not found`)

// importChecks reads a YAML document of checks strictly (an unknown field is an error naming
// it), validates all of them, and only then creates new checks and replaces existing ones of
// the same name: a bad document changes nothing.
func (a *API) importChecks(w http.ResponseWriter, r *http.Request) {
	if !a.checksOr503(w) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBody), "")
		return
	}
	specs, ferr := parseChecksYAML(body)
	if ferr != nil {
		writeError(w, http.StatusBadRequest, ferr.Error, ferr.Field)
		return
	}
	doc := checksFile{Checks: specs}
	p, _ := auth.FromContext(r.Context())
	existing, err := a.cfg.Meta.ListChecks(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list checks", err)
		return
	}
	for i, s := range specs { // every location must exist before anything is stored
		ae, err := a.locationsError(r.Context(), p.OrgID, s)
		if err != nil {
			a.internal(w, r, "check locations", err)
			return
		}
		if ae != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("check %d (%q): %s", i+1, s.Name, ae.Error), fmt.Sprintf("checks[%d].locations", i))
			return
		}
	}
	byName := map[string]int64{}
	for _, m := range existing {
		byName[m.Name] = m.ID
	}
	created, updated := 0, 0
	pushURLs := map[string]string{}
	for _, s := range doc.Checks {
		m, token, err := a.storeCheck(r.Context(), p.OrgID, byName[s.Name], s)
		if err != nil {
			a.saveCheckError(w, r, s, err)
			return
		}
		if byName[s.Name] == 0 {
			created++
		} else {
			updated++
		}
		if token != "" {
			pushURLs[m.Name] = a.pushURL(token)
		}
	}
	a.audit(r, "check.import", "checks", fmt.Sprintf("%d created, %d updated", created, updated))
	writeJSON(w, http.StatusOK, map[string]any{"created": created, "updated": updated, "push_urls": pushURLs})
}

// parseChecksYAML decodes an import document strictly and validates every check; the error
// names the field at fault (an unknown field by its name, an invalid one as checks[i].field).
func parseChecksYAML(body []byte) ([]check.Spec, *apiError) {
	fail := func(msg, field string) ([]check.Spec, *apiError) { return nil, &apiError{Error: msg, Field: field} }
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	var doc checksFile
	if err := dec.Decode(&doc); err != nil {
		if m := yamlUnknownField.FindStringSubmatch(err.Error()); m != nil {
			return fail(fmt.Sprintf("unknown field %q on line %s", m[2], m[1]), m[2])
		}
		if errors.Is(err, io.EOF) {
			return fail("empty document; send YAML with a top-level checks: list", "checks")
		}
		return fail("invalid YAML: "+strings.TrimPrefix(err.Error(), "yaml: "), "")
	}
	if len(doc.Checks) > 1000 {
		return fail("at most 1000 checks per import", "checks")
	}
	names := map[string]bool{}
	for i := range doc.Checks {
		s := &doc.Checks[i]
		s.Normalize()
		if err := s.Validate(); err != nil {
			var fe *check.FieldError
			if errors.As(err, &fe) {
				return fail(fmt.Sprintf("check %d (%q): %s", i+1, s.Name, fe.Msg), fmt.Sprintf("checks[%d].%s", i, fe.Field))
			}
			return fail(err.Error(), "")
		}
		if names[s.Name] {
			return fail(fmt.Sprintf("check %d: the name %q appears twice", i+1, s.Name), fmt.Sprintf("checks[%d].name", i))
		}
		names[s.Name] = true
	}
	return doc.Checks, nil
}
