package check

import (
	"math"
	"testing"
	"time"
)

func TestIncidents(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	cases := []struct {
		name      string
		events    []Event
		from, to  time.Time
		wantStart []int
		wantDur   []int64
		wantOpen  bool
	}{
		{"none", nil, h(0), h(10), nil, nil, false},
		{"one closed", []Event{{h(0), true, ""}, {h(2), false, "refused"}, {h(3), true, ""}}, h(0), h(10), []int{2}, []int64{3600}, false},
		{"two, newest first", []Event{{h(1), false, "a"}, {h(2), true, ""}, {h(5), false, "b"}, {h(7), true, ""}}, h(0), h(10), []int{5, 1}, []int64{7200, 3600}, false},
		{"started before range", []Event{{h(-5), false, "x"}, {h(1), true, ""}}, h(0), h(10), []int{-5}, []int64{6 * 3600}, false},
		{"ended before range", []Event{{h(-5), false, "x"}, {h(-4), true, ""}}, h(0), h(10), nil, nil, false},
		{"still open", []Event{{h(8), false, "x"}}, h(0), h(10), []int{8}, []int64{4 * 3600}, true},
		{"repeated downs merge", []Event{{h(1), false, "x"}, {h(2), false, "y"}, {h(3), true, ""}}, h(0), h(10), []int{1}, []int64{7200}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Incidents(c.events, c.from, c.to, h(12))
			if len(got) != len(c.wantStart) {
				t.Fatalf("got %d incidents %+v, want %d", len(got), got, len(c.wantStart))
			}
			for i, inc := range got {
				if !inc.Start.Equal(h(c.wantStart[i])) || inc.DurationS != c.wantDur[i] {
					t.Errorf("incident %d: got start %v duration %d, want %v %d", i, inc.Start, inc.DurationS, h(c.wantStart[i]), c.wantDur[i])
				}
			}
			if c.wantOpen != (len(got) > 0 && got[0].End == nil) {
				t.Errorf("got open=%v, want %v", len(got) > 0 && got[0].End == nil, c.wantOpen)
			}
		})
	}
}

func TestUptimePct(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name    string
		values  []float64
		weights []float64
		want    float64
		ok      bool
	}{
		{"no data", []float64{nan, nan}, nil, 0, false},
		{"all up", []float64{1, 1, nan}, nil, 100, true},
		{"half", []float64{1, 0}, nil, 50, true},
		{"weighted", []float64{1, 0}, []float64{3, 1}, 75, true},
		{"means", []float64{0.99, 0.97}, nil, 98, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := UptimePct(c.values, c.weights)
			if ok != c.ok || math.Abs(got-c.want) > 1e-9 {
				t.Errorf("got %v %v, want %v %v", got, ok, c.want, c.ok)
			}
		})
	}
}
