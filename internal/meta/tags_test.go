package meta

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestNormalizeTags(t *testing.T) {
	long := "a123456789012345678901234567890123456789" // 40
	many := make([]string, MaxTags+1)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	for _, c := range []struct {
		name    string
		in      []string
		want    []string
		wantIdx int // -1: no error
	}{
		{"empty list", nil, []string{}, -1},
		{"trim lower sort dedupe", []string{" Web ", "prod", "web", "env=prod", "dc:fra1"}, []string{"dc:fra1", "env=prod", "prod", "web"}, -1},
		{"max length", []string{long}, []string{long}, -1},
		{"too long", []string{"ok", long + "x"}, nil, 1},
		{"empty", []string{"a", "  "}, nil, 1},
		{"bad char", []string{"a b"}, nil, 0},
		{"leading punctuation", []string{"-x"}, nil, 0},
		{"unicode", []string{"prød"}, nil, 0},
		{"too many", many, nil, MaxTags},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := NormalizeTags(c.in)
			var te *TagError
			if c.wantIdx >= 0 {
				if !errors.As(err, &te) || te.Index != c.wantIdx {
					t.Fatalf("got %v %v, want TagError at %d", got, err, c.wantIdx)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) || got == nil {
				t.Errorf("got %#v %v, want %#v", got, err, c.want)
			}
		})
	}
}

func FuzzNormalizeTags(f *testing.F) {
	f.Add("web", "Env=Prod")
	f.Add("", "\xff")
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := NormalizeTags([]string{a, b})
		if err != nil {
			return
		}
		again, err := NormalizeTags(got)
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("not idempotent: %q → %q → %q %v", []string{a, b}, got, again, err)
		}
	})
}

func TestUpdateHost(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, o, err := d.CreateOwner(ctx, "o@example.com", "h", "Acme")
			if err != nil {
				t.Fatal(err)
			}
			h, _, err := d.CreateHost(ctx, o.ID, "web-1")
			if err != nil {
				t.Fatal(err)
			}
			if h.Tags == nil || len(h.Tags) != 0 {
				t.Errorf("new host tags: got %#v, want []", h.Tags)
			}
			if _, _, err := d.CreateHost(ctx, o.ID, "web-2"); err != nil {
				t.Fatal(err)
			}
			got, err := d.UpdateHost(ctx, o.ID, h.ID, HostUpdate{Tags: []string{"prod", "web"}})
			if err != nil || !slices.Equal(got.Tags, []string{"prod", "web"}) || got.Name != "web-1" {
				t.Fatalf("set tags: got %+v %v", got, err)
			}
			name := "web-01"
			if _, err := d.UpdateHost(ctx, o.ID, h.ID, HostUpdate{Name: &name}); err != nil {
				t.Fatal(err)
			}
			stored, err := d.GetHost(ctx, o.ID, h.ID)
			if err != nil || stored.Name != "web-01" || !slices.Equal(stored.Tags, []string{"prod", "web"}) {
				t.Errorf("after rename: got %+v %v, want web-01 with tags kept", stored, err)
			}
			taken := "web-2"
			if _, err := d.UpdateHost(ctx, o.ID, h.ID, HostUpdate{Name: &taken}); !errors.Is(err, ErrConflict) {
				t.Errorf("rename onto another host: got %v, want ErrConflict", err)
			}
			if _, err := d.UpdateHost(ctx, o.ID+1, h.ID, HostUpdate{Tags: []string{}}); !errors.Is(err, ErrNotFound) {
				t.Errorf("another org: got %v, want ErrNotFound", err)
			}
			if got, err := d.UpdateHost(ctx, o.ID, h.ID, HostUpdate{Tags: []string{}}); err != nil || len(got.Tags) != 0 {
				t.Errorf("clear tags: got %+v %v", got, err)
			}
			list, _ := d.ListHosts(ctx, o.ID)
			if len(list) != 2 || list[1].Tags == nil {
				t.Errorf("list: got %+v", list)
			}
		})
	}
}
