// Package notify delivers alert messages (DESIGN §5): email over SMTP, a signed JSON
// webhook, and chat/push services through shoutrrr, with retries, backoff and a record of
// every attempt. It knows nothing about rules; the hub turns an alert.Batch into a Message.
//
// Wiring (hub):
//
//	d := notify.NewDispatcher(map[string]notify.Channel{
//		"ops-mail": &notify.Email{Addr: "smtp:587", From: "vigil@x", To: []string{"ops@x"}},
//		"hook":     &notify.Webhook{URL: u, Secret: s},
//		"chat":     must(notify.NewShoutrrr("ntfy://ntfy.sh/ops")),
//	}, recorder)
//	d.Routes = []notify.Route{{Channel: "ops-mail", MinSeverity: notify.SevCritical}}
//	err := d.Deliver(ctx, "chat", msg)   // one channel, retried
//	errs := d.Dispatch(ctx, msg)         // every route whose severity matches
//	err = d.Test(ctx, "chat")            // the UI's test-send button
package notify

import (
	"context"
	"errors"
	"time"
)

// Severity orders messages for routing.
type Severity int

// The severities; SevInfo is used for test sends and resolutions.
const (
	SevInfo Severity = iota
	SevWarning
	SevCritical
)

// Message is one notification as people read it. Text is required; HTML is optional and
// used by email; Data, if set, is what the webhook sends as its "data" field.
type Message struct {
	Subject  string    `json:"subject"`
	Text     string    `json:"text"`
	HTML     string    `json:"-"`
	Severity Severity  `json:"severity"`
	Time     time.Time `json:"time"`
	Data     any       `json:"data,omitempty"`
}

// Channel delivers a message to one destination. Implementations return an error wrapped
// with Permanent when retrying cannot help (bad address, 4xx).
type Channel interface {
	Send(ctx context.Context, m Message) error
}

var (
	_ Channel = (*Email)(nil)
	_ Channel = (*Webhook)(nil)
	_ Channel = (*Shoutrrr)(nil)
)

// permanentError marks a failure that retrying will not fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so the Dispatcher does not retry it.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was wrapped with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
