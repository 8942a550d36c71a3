package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vigil-mon/vigil/internal/meta"
)

// Sealer keeps channel secrets encrypted at rest (implemented by secrets.Key). Seal returns a
// value that only Open with the same context turns back into plain; Open returns a value
// stored before sealing existed unchanged.
type Sealer interface {
	Seal(plain, context string) (string, error)
	Open(stored, context string) (string, error)
}

// sealedPrefix marks a sealed value in a stored channel (secrets.Prefix; repeated here so
// that alerting does not depend on one implementation of Sealer).
const sealedPrefix = "enc:v1:"

// secretFields returns pointers to the channel's fields that are secrets at rest, by name:
// the webhook HMAC key, the SMTP password, and the URL of a shoutrrr or webhook channel (a
// shoutrrr URL carries the service token, and chat webhooks such as Slack's and Teams' carry
// theirs in the path).
func (c *Channel) secretFields() map[string]*string {
	f := map[string]*string{"secret": &c.Secret, "password": &c.Password}
	if c.Type == ChannelShoutrrr || c.Type == ChannelWebhook {
		f["url"] = &c.URL
	}
	return f
}

// sealContext binds a sealed value to its organization, channel and field, so that a value
// copied into another row does not open.
func sealContext(orgID int64, channelID, field string) string {
	return fmt.Sprintf("vigil/alert_channels/%d/%s/%s", orgID, channelID, field)
}

// seal returns the channel as stored: secrets sealed when the service has a Sealer.
func (s *Service) seal(orgID int64, c Channel) (Channel, error) {
	if s.cfg.Secrets == nil {
		return c, nil
	}
	c.To = append([]string(nil), c.To...)
	for name, p := range c.secretFields() {
		v, err := s.cfg.Secrets.Seal(*p, sealContext(orgID, c.ID, name))
		if err != nil {
			return c, fmt.Errorf("seal %s of channel %q: %w", name, c.ID, err)
		}
		*p = v
	}
	return c, nil
}

// open returns the channel with its secrets in clear. A sealed value found without a Sealer,
// or one the Sealer cannot open, is an error naming the channel: the hub must not send with
// (or re-store) a garbled secret.
func (s *Service) open(orgID int64, c Channel) (Channel, error) {
	for name, p := range c.secretFields() {
		if !strings.HasPrefix(*p, sealedPrefix) {
			continue
		}
		if s.cfg.Secrets == nil {
			return c, fmt.Errorf("channel %q of org %d: its %s is encrypted and this hub has no secret key", c.ID, orgID, name)
		}
		v, err := s.cfg.Secrets.Open(*p, sealContext(orgID, c.ID, name))
		if err != nil {
			return c, fmt.Errorf("channel %q of org %d: its %s: %w; start the hub with the key that encrypted it (--secret-key-file or VIGIL_SECRET_KEY)", c.ID, orgID, name, err)
		}
		*p = v
	}
	return c, nil
}

// loadChannels reads an organization's channels with their secrets opened.
func (s *Service) loadChannels(ctx context.Context, orgID int64) ([]Channel, error) {
	cs, err := loadDocs[Channel](ctx, s.cfg.DB, meta.AlertChannels, orgID)
	if err != nil {
		return nil, err
	}
	var errs []error
	for i := range cs {
		cs[i], err = s.open(orgID, cs[i])
		errs = append(errs, err)
	}
	return cs, errors.Join(errs...)
}

// sealStored checks that every stored channel secret opens with the service's key and seals
// the ones still in clear (stored before sealing existed). It returns how many channels it
// rewrote. Start calls it before loading any organization, so a wrong or missing key stops
// the hub with an error naming the channel instead of failing at 3 a.m. when it sends.
func (s *Service) sealStored(ctx context.Context, orgIDs []int64) (int, error) {
	n := 0
	for _, id := range orgIDs {
		docs, err := s.cfg.DB.ListAlertDocs(ctx, meta.AlertChannels, id)
		if err != nil {
			return n, err
		}
		for _, d := range docs {
			var c Channel
			if err := json.Unmarshal(d.Body, &c); err != nil {
				return n, fmt.Errorf("read channel %q of org %d: %w", d.ID, id, err)
			}
			clear := false
			for _, p := range c.secretFields() {
				clear = clear || (*p != "" && !strings.HasPrefix(*p, sealedPrefix))
			}
			if c, err = s.open(id, c); err != nil {
				return n, err
			}
			if !clear || s.cfg.Secrets == nil {
				continue
			}
			if c, err = s.seal(id, c); err != nil {
				return n, err
			}
			b, err := json.Marshal(c)
			if err != nil {
				return n, err
			}
			if err := s.cfg.DB.UpdateAlertDoc(ctx, meta.AlertChannels, id, d.ID, b); err != nil {
				return n, fmt.Errorf("encrypt secrets of channel %q of org %d: %w", d.ID, id, err)
			}
			n++
		}
	}
	return n, nil
}

// HasSealedSecrets reports whether any stored channel holds a sealed secret. The hub asks
// before creating a new key: sealed values with no key file means the key was lost (a data
// directory restored without it), and a new key would not open them.
func HasSealedSecrets(ctx context.Context, db *meta.DB) (bool, error) {
	ids, err := db.OrgIDs(ctx)
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		docs, err := db.ListAlertDocs(ctx, meta.AlertChannels, id)
		if err != nil {
			return false, err
		}
		for _, d := range docs {
			if strings.Contains(string(d.Body), `"`+sealedPrefix) {
				return true, nil
			}
		}
	}
	return false, nil
}
