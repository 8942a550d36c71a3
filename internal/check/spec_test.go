package check

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestDecodeSpecFieldErrors(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"no name", `{"type":"http","url":"http://x","interval_s":60}`, "name"},
		{"unknown type", `{"name":"a","type":"gopher","interval_s":60}`, "type"},
		{"absurd interval", `{"name":"a","type":"http","url":"http://x","interval_s":1}`, "interval_s"},
		{"interval too long", `{"name":"a","type":"http","url":"http://x","interval_s":999999}`, "interval_s"},
		{"interval wrong type", `{"name":"a","type":"http","url":"http://x","interval_s":"60"}`, "interval_s"},
		{"relative url", `{"name":"a","type":"http","url":"/health","interval_s":60}`, "url"},
		{"ftp url", `{"name":"a","type":"http","url":"ftp://example.com","interval_s":60}`, "url"},
		{"url with credentials", `{"name":"a","type":"http","url":"http://u:p@example.com","interval_s":60}`, "url"},
		{"garbage url", `{"name":"a","type":"http","url":"http://exa mple.com/%zz","interval_s":60}`, "url"},
		{"bad method", `{"name":"a","type":"http","url":"http://x","method":"BREW","interval_s":60}`, "method"},
		{"bad status", `{"name":"a","type":"http","url":"http://x","accept_status":["2xx"],"interval_s":60}`, "accept_status"},
		{"bad regex", `{"name":"a","type":"http","url":"http://x","regex":"(","interval_s":60}`, "regex"},
		{"timeout beyond interval", `{"name":"a","type":"http","url":"http://x","interval_s":10,"timeout_ms":10000}`, "timeout_ms"},
		{"header injection", `{"name":"a","type":"http","url":"http://x","headers":{"X":"a\r\nB: c"},"interval_s":60}`, "headers"},
		{"cert days on http", `{"name":"a","type":"http","url":"http://x","cert_expiry_days":7,"interval_s":60}`, "cert_expiry_days"},
		{"expect without path", `{"name":"a","type":"http","url":"http://x","json_expect":"ok","interval_s":60}`, "json_path"},
		{"unknown field", `{"name":"a","type":"http","url":"http://x","interval_s":60,"colour":"red"}`, "colour"},
		{"field of other type", `{"name":"a","type":"http","url":"http://x","interval_s":60,"port":80}`, "port"},
		{"tcp no port", `{"name":"a","type":"tcp","host":"db.local","interval_s":60}`, "port"},
		{"tcp bad host", `{"name":"a","type":"tcp","host":"db local","port":5432,"interval_s":60}`, "host"},
		{"unknown record type", `{"name":"a","type":"dns","host":"example.com","record_type":"ABC","interval_s":60}`, "record_type"},
		{"bad resolver", `{"name":"a","type":"dns","host":"example.com","resolver":"dns.google","interval_s":60}`, "resolver"},
		{"icmp no host", `{"name":"a","type":"icmp","interval_s":60}`, "host"},
		{"push no period", `{"name":"a","type":"push"}`, "period_s"},
		{"push with url", `{"name":"a","type":"push","period_s":60,"url":"http://x"}`, "url"},
		{"retries", `{"name":"a","type":"tcp","host":"h","port":1,"interval_s":60,"retries":50}`, "retries"},
		{"host id", `{"name":"a","type":"tcp","host":"h","port":1,"interval_s":60,"host_id":0}`, "host_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeSpec([]byte(c.body))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a field error on %q", err, c.field)
			}
			if fe.Field != c.field || fe.Msg == "" {
				t.Errorf("got field %q (%s), want %q", fe.Field, fe.Msg, c.field)
			}
		})
	}
}

func TestDecodeSpecDefaults(t *testing.T) {
	cases := []struct {
		name, body string
		want       Spec
	}{
		{"http", `{"name":" site ","type":"HTTP","url":"https://example.com","interval_s":60}`,
			Spec{Name: "site", Type: TypeHTTP, URL: "https://example.com", IntervalS: 60, TimeoutMs: 10000, Method: "GET", AcceptStatus: []string{"200-399"}}},
		{"short interval timeout", `{"name":"db","type":"tcp","host":"10.0.0.1","port":5432,"interval_s":10}`,
			Spec{Name: "db", Type: TypeTCP, Host: "10.0.0.1", Port: 5432, IntervalS: 10, TimeoutMs: 5000}},
		{"dns", `{"name":"d","type":"dns","host":"example.com","interval_s":300,"resolver":"1.1.1.1"}`,
			Spec{Name: "d", Type: TypeDNS, Host: "example.com", IntervalS: 300, TimeoutMs: 10000, RecordType: "A", Resolver: "1.1.1.1"}},
		{"push", `{"name":"cron","type":"push","period_s":3600,"grace_s":300}`,
			Spec{Name: "cron", Type: TypePush, IntervalS: 60, PeriodS: 3600, GraceS: 300}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeSpec([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// FuzzDecodeSpec: no input panics, and every accepted spec survives a JSON round trip
// unchanged and still validates (what is stored can be loaded again).
func FuzzDecodeSpec(f *testing.F) {
	for _, s := range []string{
		`{"name":"site","type":"http","url":"https://example.com/health","interval_s":60,"keyword":"ok","json_path":"a.0.b","json_expect":"1","accept_status":["200-299","301"],"headers":{"X-A":"b"}}`,
		`{"name":"db","type":"tcp","host":"10.0.0.1","port":5432,"interval_s":30,"retries":2}`,
		`{"name":"d","type":"dns","host":"example.com","record_type":"MX","resolver":"[::1]:5353","expect":"10 mx.example.com","interval_s":300}`,
		`{"name":"p","type":"icmp","host":"192.0.2.1","interval_s":30,"timeout_ms":1000,"degraded_ms":200}`,
		`{"name":"c","type":"push","period_s":600,"grace_s":60}`,
		`{"name":"x","type":"http","url":"http://[::1]:80/","interval_s":10,"regex":"a+b"}`,
		`{}`, `[]`, `null`, `{"name":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSpec(data)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) && (fe.Field == "" || fe.Msg == "") {
				t.Fatalf("field error without field or message: %#v", fe)
			}
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeSpec(b)
		if err != nil {
			t.Fatalf("accepted spec %s fails after a round trip: %v", b, err)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("round trip changed the spec:\n%+v\n%+v", s, again)
		}
	})
}
