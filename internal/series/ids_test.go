package series

import (
	"slices"
	"testing"
)

// TestHostIDs checks how a handshake's keys find their ids without a per-host map: by position
// when the agent sends its dictionary in the stored order, through a map otherwise, with keys
// not in the dictionary returned once each and holes in the ids never matched.
func TestHostIDs(t *testing.T) {
	a, b, c, d := Key{Name: "a"}, Key{Name: "b", Label: "x"}, Key{Name: "c"}, Key{Name: "d"}
	h := &hostState{keys: []Key{a, b, {}, c}} // id 2 is a hole
	tests := []struct {
		name      string
		keys      []Key
		wantIDs   []uint32 // 0 for fresh keys
		wantFresh []Key
	}{
		{"stored order", []Key{a, b}, []uint32{0, 1}, nil},
		{"reordered", []Key{c, a, b}, []uint32{3, 0, 1}, nil},
		{"new keys once each", []Key{a, d, b, d}, []uint32{0, 0, 1, 0}, []Key{d}},
		{"empty key does not match the hole", []Key{a, b, {}}, []uint32{0, 1, 0}, []Key{{}}},
		{"longer than the dictionary", []Key{a, b, c, c, d}, []uint32{0, 1, 3, 3, 0}, []Key{d}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := make([]uint32, len(tc.keys))
			fresh := h.ids(tc.keys, out)
			if !slices.Equal(out, tc.wantIDs) {
				t.Errorf("ids %v, want %v", out, tc.wantIDs)
			}
			if !slices.Equal(fresh, tc.wantFresh) {
				t.Errorf("fresh %v, want %v", fresh, tc.wantFresh)
			}
		})
	}
}
