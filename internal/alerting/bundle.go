package alerting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
	"gopkg.in/yaml.v3"
)

// Bundle is an organization's alerting configuration as code: what export writes and import
// reads. Channel secrets are exported as Redacted; importing Redacted keeps the secret stored
// for the channel with that ID.
type Bundle struct {
	Rules    []alert.Rule   `yaml:"rules" json:"rules"`
	Channels []Channel      `yaml:"channels" json:"channels"`
	Silences []alert.Window `yaml:"silences" json:"silences"`
	Route    Route          `yaml:"route" json:"route"`
}

// maxBundleItems bounds each list of an import.
const maxBundleItems = 1000

// Export returns the organization's rules, channels (redacted), silences and default route
// as YAML.
func (s *Service) Export(ctx context.Context, orgID int64) ([]byte, error) {
	var b Bundle
	var err error
	if b.Rules, err = s.Rules(ctx, orgID); err != nil {
		return nil, err
	}
	if b.Channels, err = s.Channels(ctx, orgID); err != nil {
		return nil, err
	}
	if b.Silences, err = s.Silences(ctx, orgID); err != nil {
		return nil, err
	}
	if b.Route, err = s.DefaultRoute(ctx, orgID); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(b); err != nil {
		return nil, fmt.Errorf("export alerting configuration: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseBundle decodes YAML strictly: unknown fields, wrong types, several documents and
// oversized lists are errors naming the field ("rules[2].metric: ..."); then every rule,
// channel and silence is validated, and every channel a rule or the route names must be in
// the bundle.
func ParseBundle(data []byte, knownMetric func(string) bool) (Bundle, error) {
	var b Bundle
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		if errors.Is(err, io.EOF) {
			return b, fieldErr("body", "empty document; send YAML with rules, channels, silences and route")
		}
		return b, yamlErr(err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return b, fieldErr("body", "send one YAML document, not several")
	}
	var errs []error
	for _, l := range []struct {
		field string
		n     int
	}{{"rules", len(b.Rules)}, {"channels", len(b.Channels)}, {"silences", len(b.Silences)}} {
		if l.n > maxBundleItems {
			errs = append(errs, fieldErr(l.field, "at most %d entries, got %d", maxBundleItems, l.n))
		}
	}
	if len(errs) > 0 {
		return b, errors.Join(errs...)
	}
	chans := map[string]Channel{}
	for i, c := range b.Channels {
		errs = append(errs, prefixed("channels["+strconv.Itoa(i)+"].", validateImportChannel(c)))
		if _, dup := chans[c.ID]; dup {
			errs = append(errs, fieldErr("channels["+strconv.Itoa(i)+"].id", "duplicate id %q", c.ID))
		}
		chans[c.ID] = c
	}
	ids := map[string]bool{}
	for i, r := range b.Rules {
		p := "rules[" + strconv.Itoa(i) + "]."
		errs = append(errs, prefixed(p, errors.Join(r.Validate(knownMetric), idErr(r.ID), routingErr("routing.", r.Routing, chans))))
		if ids[r.ID] {
			errs = append(errs, fieldErr(p+"id", "duplicate id %q", r.ID))
		}
		ids[r.ID] = true
	}
	wids := map[string]bool{}
	for i, w := range b.Silences {
		p := "silences[" + strconv.Itoa(i) + "]."
		errs = append(errs, prefixed(p, errors.Join(w.Validate(), idErr(w.ID))))
		if wids[w.ID] {
			errs = append(errs, fieldErr(p+"id", "duplicate id %q", w.ID))
		}
		wids[w.ID] = true
	}
	errs = append(errs, prefixed("route.", routingErr("", alert.Routing{Warning: b.Route.Warning, Critical: b.Route.Critical}, chans)))
	return b, errors.Join(errs...)
}

// validateImportChannel validates a channel whose secrets may still be Redacted (they are
// filled from the stored channel on import).
func validateImportChannel(c Channel) error {
	filled := c
	if filled.Secret == Redacted {
		filled.Secret = "x"
	}
	if filled.Password == Redacted {
		filled.Password = "x"
	}
	return filled.Validate()
}

// Import replaces the organization's rules, channels, silences and default route with the
// bundle's, all or nothing.
func (s *Service) Import(ctx context.Context, orgID int64, data []byte) (Bundle, error) {
	b, err := ParseBundle(data, s.cfg.KnownMetric)
	if err != nil {
		return b, err
	}
	o, err := s.load(ctx, orgID)
	if err != nil {
		return b, err
	}
	o.mu.RLock()
	stored := o.channels
	o.mu.RUnlock()
	set := map[meta.AlertKind][]meta.AlertDoc{}
	var errs []error
	for i := range b.Channels {
		c := &b.Channels[i]
		var old *Channel
		if prev, ok := stored[c.ID]; ok && prev.Type == c.Type {
			old = &prev
		}
		errs = append(errs, prefixed("channels["+strconv.Itoa(i)+"].", c.keepSecrets(old)))
		stored, err := s.seal(orgID, *c)
		errs = append(errs, err)
		set[meta.AlertChannels] = append(set[meta.AlertChannels], doc(c.ID, stored))
	}
	if err := errors.Join(errs...); err != nil {
		return b, err
	}
	set[meta.AlertRules] = []meta.AlertDoc{}
	set[meta.AlertSilences] = []meta.AlertDoc{}
	if set[meta.AlertChannels] == nil {
		set[meta.AlertChannels] = []meta.AlertDoc{}
	}
	for _, r := range b.Rules {
		set[meta.AlertRules] = append(set[meta.AlertRules], doc(r.ID, r))
	}
	for _, w := range b.Silences {
		set[meta.AlertSilences] = append(set[meta.AlertSilences], doc(w.ID, w))
	}
	if err := s.cfg.DB.ReplaceAlertDocs(ctx, orgID, set); err != nil {
		return b, err
	}
	rb, _ := json.Marshal(b.Route)
	if err := s.cfg.DB.SetAlertSetting(ctx, orgID, meta.AlertSettingRoute, rb); err != nil {
		return b, err
	}
	for i := range b.Channels {
		b.Channels[i] = b.Channels[i].Redact()
	}
	return b, s.reload(ctx, o)
}

func doc(id string, v any) meta.AlertDoc {
	b, _ := json.Marshal(v)
	return meta.AlertDoc{ID: id, Body: b}
}

// prefixed puts p in front of the field of every FieldError in err.
func prefixed(p string, err error) error {
	if err == nil {
		return nil
	}
	var out []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var fe *alert.FieldError
		if errors.As(e, &fe) {
			out = append(out, &alert.FieldError{Field: p + fe.Field, Message: fe.Message})
			return
		}
		out = append(out, e)
	}
	walk(err)
	return errors.Join(out...)
}

var (
	yamlUnknown = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)
	yamlLine    = regexp.MustCompile(`line (\d+): (.*)`)
)

// yamlErr turns a yaml.v3 error into field errors: an unknown field is named, other
// problems say the line.
func yamlErr(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fieldErr("body", "invalid YAML: %v", err)
	}
	var errs []error
	for _, e := range te.Errors {
		if m := yamlUnknown.FindStringSubmatch(e); m != nil {
			errs = append(errs, fieldErr(m[2], "unknown field %q (line %s)", m[2], m[1]))
		} else if m := yamlLine.FindStringSubmatch(e); m != nil {
			errs = append(errs, fieldErr("line "+m[1], "%s", m[2]))
		} else {
			errs = append(errs, fieldErr("body", "%s", e))
		}
	}
	return errors.Join(errs...)
}
