package notify

import (
	"context"
	"fmt"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// Shoutrrr sends through one shoutrrr service URL (slack://, discord://, telegram://,
// teams://, ntfy://, gotify://, pushover://, matrix://, …), pinned at v0.17.0 (DESIGN §5).
type Shoutrrr struct {
	url     string
	service types.Service
}

// NewShoutrrr parses and initializes the service URL, so a bad URL is reported when the
// channel is saved rather than when the first alert fires.
func NewShoutrrr(serviceURL string) (*Shoutrrr, error) {
	r, err := router.New(nil)
	if err != nil {
		return nil, fmt.Errorf("shoutrrr: new router: %w", err)
	}
	svc, err := r.Locate(serviceURL)
	if err != nil {
		return nil, fmt.Errorf("shoutrrr: service URL: %w", err)
	}
	return &Shoutrrr{url: serviceURL, service: svc}, nil
}

// Send posts the subject as the title and the text as the body. shoutrrr services take no
// context, so the send runs in a goroutine and Send returns when ctx ends; the service's own
// HTTP timeout bounds the goroutine.
func (s *Shoutrrr) Send(ctx context.Context, m Message) error {
	params := types.Params{}
	if m.Subject != "" {
		params.SetTitle(m.Subject)
	}
	done := make(chan error, 1)
	go func() { done <- s.service.Send(m.Text, &params) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("shoutrrr: send via %s: %w", s.service.GetID(), err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shoutrrr: send via %s: %w", s.service.GetID(), ctx.Err())
	}
}
