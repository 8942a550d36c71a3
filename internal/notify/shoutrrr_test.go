package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestShoutrrrNtfy sends through shoutrrr's ntfy service to an httptest server standing in
// for ntfy (ntfy URLs take a custom host; disabletls=yes selects plain HTTP).
func TestShoutrrrNtfy(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + r.Header.Get("Title") + ": " + string(b)
		_, _ = io.WriteString(w, `{"id":"1","time":1,"event":"message","topic":"ops"}`)
	}))
	defer srv.Close()
	ch, err := NewShoutrrr("ntfy://" + strings.TrimPrefix(srv.URL, "http://") + "/ops?disabletls=yes")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ch.Send(ctx, Message{Subject: "Host down", Text: "h1 is down"}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r != "/ops Host down: h1 is down" {
		t.Errorf("got request %q, want %q", r, "/ops Host down: h1 is down")
	}
}

func TestShoutrrrBadURL(t *testing.T) {
	for _, u := range []string{"nosuch://x", "ntfy://"} {
		if _, err := NewShoutrrr(u); err == nil {
			t.Errorf("%q: got no error, want a bad URL error", u)
		}
	}
}
